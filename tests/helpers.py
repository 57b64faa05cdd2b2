"""Small helpers shared by tests."""

from __future__ import annotations

import lightning as L
import torch

from lightning_port.datamodules import datamodule_for
from lightning_port.registry import get_recipe
from lightning_port.system import TutorialClassifier
from lightning_port.training import TrainingOptions, run_training


def train(tmp_path, model: str, **options) -> dict:
    """A real run through run_training (what scripts/train.py does), quietly."""
    options.setdefault("accelerator", "cpu")
    return run_training(TrainingOptions(model=model, output_dir=str(tmp_path / model), progress_bar=False, **options))


def fit_in_process(model: str, data_dir, epochs: int, seed: int = 0, compile: bool = False, **datamodule_options):
    """A bare Trainer.fit without checkpoints or logs; returns (system, datamodule)."""
    L.seed_everything(seed, verbose=False)
    datamodule = datamodule_for(get_recipe(model), data_dir=data_dir, seed=seed, **datamodule_options)
    system = TutorialClassifier(model, batch_size=datamodule.batch_size)
    system.compile_training_step = compile
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=0,
    )
    trainer.fit(system, datamodule=datamodule)
    return system, datamodule


@torch.no_grad()
def mean_loss(system: TutorialClassifier, inputs: torch.Tensor, targets: torch.Tensor) -> float:
    from lightning_port.losses import keras_loss

    system.eval()
    return keras_loss(system.recipe.loss, system(inputs), targets).item()
