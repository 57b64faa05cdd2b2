"""Small helpers shared by tests: runs resolved the way the entry points resolve them."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.registry import get_recipe
from lightning_port.run.description import RunDefinition
from lightning_port.run.resolve import resolve_definition, resolve_training_run
from lightning_port.training.fit import run_training
from lightning_port.training.speed_mode_module import build_classifier
from lightning_port.training.system import TutorialClassifier


def training_run(tmp_path, model: str, **options):
    """The TrainingRun scripts/train.py would resolve for these options (CPU, quiet)."""
    options.setdefault("accelerator", "cpu")
    options.setdefault("progress_bar", False)
    return resolve_training_run(output_dir=tmp_path / model, model=model, **options)


def train(tmp_path, model: str, **options) -> dict:
    """A real run through run_training (what scripts/train.py does), quietly."""
    return run_training(training_run(tmp_path, model, **options))


def definition(model: str, data_dir=None, **options) -> RunDefinition:
    """A run definition with the recipe's defaults for everything not given."""
    return RunDefinition(**resolve_definition(get_recipe(model), data_dir=data_dir, **options))


def fit_in_process(
    model: str,
    data_dir,
    epochs: int,
    seed: int = 0,
    compile: bool = False,
    steps_per_execution: int = 1,
    callbacks: tuple = (),
    trainer_options: dict | None = None,
    **definition_options,
):
    """A Trainer.fit as run_training sets it up (the epoch seeding included), without
    checkpoints, logs or a progress bar unless ``trainer_options`` asks; returns (system, datamodule)."""
    from lightning_port.run.description import SpeedMode
    from lightning_port.training.callbacks import EpochSeeding

    L.seed_everything(seed, verbose=False)
    run = definition(model, data_dir=data_dir, epochs=epochs, seed=seed, **definition_options)
    speed = SpeedMode(steps_per_execution=steps_per_execution, compile=compile)
    datamodule = TutorialDataModule(run, steps_per_execution=steps_per_execution)
    system = build_classifier(run.recipe, batch_size=run.batch_size, speed=speed)
    options = dict(
        max_epochs=epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=1.0 if run.recipe.validation else 0,
    )
    options.update(trainer_options or {})
    trainer = L.Trainer(callbacks=[EpochSeeding(seed), *callbacks], **options)
    trainer.fit(system, datamodule=datamodule)
    return system, datamodule


@torch.no_grad()
def mean_loss(system: TutorialClassifier, inputs: torch.Tensor, targets: torch.Tensor) -> float:
    system.eval()
    return system.loss(system(inputs), targets).item()


def outcome_schedule(recipe) -> dict:
    """Run options of the outcome rows: the Evidence's declared schedule, where it declares one."""
    options = {}
    if recipe.evidence.outcome_epochs is not None:
        options["epochs"] = recipe.evidence.outcome_epochs
    if recipe.evidence.outcome_train_samples is not None:
        options["max_train_samples"] = recipe.evidence.outcome_train_samples
    return options


def target_schedule(recipe) -> dict:
    """Run options of the accuracy- (or loss-) target run: the recipe's own schedule, except
    where the Evidence says its targets hold for the outcome schedule (functional_resnet's
    listing trains one demonstration epoch on 1,000 images; the autoencoder's 150 epochs are
    longer than this project trains twice): there the schedule the outcome rows train."""
    return outcome_schedule(recipe) if recipe.evidence.targets_on_outcome_schedule else {}


def kept_results(folder: Path) -> dict[int, dict]:
    """The result.json files kept under ``folder``/seedN/ (docs/examples/rerun, docs/examples/seeds),
    by seed; a folder whose name is not its file's seed is refused."""
    results = {}
    for path in sorted(folder.glob("seed*/result.json")):
        result = json.loads(path.read_text())
        if path.parent.name != f"seed{result['seed']}":
            raise ValueError(f"{path} holds seed {result['seed']}")
        results[result["seed"]] = result
    return results


def accuracies_by_seed(results: dict[int, dict]) -> list[float]:
    """Test accuracies in percent, in seed order."""
    return [100 * results[seed]["test"]["accuracy"] for seed in sorted(results)]
