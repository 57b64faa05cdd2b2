"""The floor: a minimal hand-written PyTorch training loop doing the port's work, nothing more.

Same tensors on the same device, same backbone and Keras-rule optimizer, same batch size,
a fresh permutation per epoch, the recipe's augmentation and validation pass when it has
them. No framework, no metrics, no logging, no checkpoints. ``compiled``: each full batch runs
the port's own compiled step (training/compiled_step.py), the last partial batch eagerly, as
``--compile`` does.
"""

from __future__ import annotations

import contextlib
import time

import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.keras_compat.augmentation import BatchAugmentation
from lightning_port.keras_compat.losses import loss_function
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.models import build_backbone
from lightning_port.training.compiled_step import CompiledTrainingStep
from lightning_port.run.description import RunDefinition


def floor_epoch_seconds(run: RunDefinition, device: str, precision: str = "32-true", compiled: bool = False) -> tuple[list[float], int]:
    """Seconds per epoch and the number of training samples."""
    recipe, epochs, seed = run.recipe, run.epochs, run.seed
    datamodule = TutorialDataModule(run, augment=False)
    datamodule.setup()
    inputs, targets = (tensor.to(device) for tensor in datamodule.train_tensors)
    validation = tuple(t.to(device) for t in datamodule.validation_tensors) if datamodule.validation_tensors else None
    augment = BatchAugmentation(recipe.augmentation) if recipe.augmentation else None
    torch.manual_seed(seed)
    network = build_backbone(recipe).to(device)
    optimizer = build_optimizer(recipe.optimizer, network.parameters())
    size, count = recipe.batch_size, len(inputs)
    autocast = torch.autocast(torch.device(device).type, dtype=torch.bfloat16) if precision == "bf16-mixed" else contextlib.nullcontext()
    loss_of = loss_function(recipe)
    compiled_step = CompiledTrainingStep(network, optimizer, loss_of, torch.bfloat16 if precision == "bf16-mixed" else None) if compiled else None
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(count, device=device)
        epoch_inputs, epoch_targets = inputs[order], targets[order]
        network.train()
        for start in range(0, count, size):
            batch = epoch_inputs[start : start + size]
            if augment is not None:
                batch = augment(batch)
            batch_targets = epoch_targets[start : start + size]
            if compiled_step is not None and len(batch) == size:
                compiled_step(batch, batch_targets)
                continue
            with autocast:
                loss = loss_of(network(batch), batch_targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if validation is not None:
            network.eval()
            with torch.no_grad(), autocast:
                for start in range(0, len(validation[0]), size):
                    network(validation[0][start : start + size])
        if torch.device(device).type == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    return seconds, count
