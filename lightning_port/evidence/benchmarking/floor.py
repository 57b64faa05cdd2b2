"""The floor: a minimal hand-written PyTorch training loop doing the port's work, nothing more.

Same tensors on the same device, same backbone and Keras-rule optimizer, same batch size,
a fresh permutation per epoch, the recipe's augmentation and validation pass when it has
them. No framework, no metrics, no logging, no checkpoints. ``compiled``: the full batches run
through the port's own compiled step (training/compiled_step.py) in blocks of
``steps_per_execution`` (training/compiled_block.py: on CUDA a captured graph), the last
partial batch eagerly, as ``--compile [--steps-per-execution K]`` does.
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
from lightning_port.run.description import RunDefinition
from lightning_port.training.compiled_block import CompiledBlock
from lightning_port.training.compiled_step import CompiledTrainingStep


def floor_epoch_seconds(
    run: RunDefinition, device: str, precision: str = "32-true", compiled: bool = False, steps_per_execution: int = 1,
) -> tuple[list[float], int]:
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
    bfloat16 = precision == "bf16-mixed"
    autocast = torch.autocast(torch.device(device).type, dtype=torch.bfloat16) if bfloat16 else contextlib.nullcontext()
    loss_of = loss_function(recipe)
    block = None
    if compiled:
        step = CompiledTrainingStep(network, optimizer, loss_of, torch.bfloat16 if bfloat16 else None, steps=steps_per_execution)
        block = CompiledBlock(step, size, capture=not bfloat16)
    full = count // size * size if block is not None else 0
    execution = size * steps_per_execution
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(count, device=device)
        epoch_inputs, epoch_targets = inputs[order], targets[order]
        network.train()
        for start in range(0, full, execution):
            batch = epoch_inputs[start : min(start + execution, full)]
            if augment is not None:
                batch = torch.cat([augment(piece) for piece in batch.split(size)])
            block.run(batch, epoch_targets[start : min(start + execution, full)])
        for start in range(full, count, size):
            batch = epoch_inputs[start : start + size]
            if augment is not None:
                batch = augment(batch)
            with autocast:
                loss = loss_of(network(batch), epoch_targets[start : start + size])
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
