"""The Lightning ``Trainer`` a resolved run trains with: Keras-like callbacks, atomic checkpoints."""

from __future__ import annotations

import logging
import os
import platform
import warnings

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from lightning_port.run.description import TrainingRun
from lightning_port.run.resolve import CHECKPOINT_DIRECTORY, LAST_CHECKPOINT, checkpoint_path
from lightning_port.support.checkpoint_files import load_checkpoint
from lightning_port.training.callbacks import EpochSeeding, GracefulInterrupt, RunningMetricsProgressBar
from lightning_port.training.checkpoints import AtomicCheckpointIO
from lightning_port.training.logs import ContinuedCSVLogger, ResumedLog


class _DropLightningTips(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Tip:" not in record.getMessage()


def quiet_lightning() -> None:
    logging.getLogger("lightning.pytorch").addFilter(_DropLightningTips())
    for handler in logging.getLogger("lightning.pytorch").handlers:
        handler.addFilter(_DropLightningTips())
    # Epoch metrics are already summed over DDP ranks (strategy.reduce) before logging.
    warnings.filterwarnings("ignore", message=r".*when logging on epoch level in distributed setting.*")
    # Lightning 2.6 with torch 2.14 warns about its own use of a deprecated pytree API.
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


def describe_device(trainer: L.Trainer) -> str:
    device = trainer.strategy.root_device
    if device.type == "cuda":
        name = f"{torch.cuda.get_device_name(device)}"
    else:
        name = f"CPU {platform.processor() or platform.machine()} ({os.cpu_count()} cores)"
    return f"{name} x{trainer.world_size}" if trainer.world_size > 1 else name


def build_trainer(run: TrainingRun, extra_callbacks: tuple = ()) -> L.Trainer:
    callbacks = [
        *extra_callbacks,
        EpochSeeding(run.seed),
        GracefulInterrupt(),
        # One file, overwritten (atomically) at the end of every epoch.
        ModelCheckpoint(
            dirpath=run.output_dir / CHECKPOINT_DIRECTORY,
            filename=LAST_CHECKPOINT.removesuffix(".ckpt"),
            save_top_k=1,
            monitor=None,
            save_on_train_epoch_end=True,
            enable_version_counter=False,
        ),
    ]
    if run.progress_bar:
        callbacks.append(RunningMetricsProgressBar())
    return L.Trainer(
        max_epochs=run.epochs,
        accelerator=run.accelerator,
        devices=run.devices,
        num_nodes=run.num_nodes,
        strategy=run.strategy,
        precision=run.precision,
        deterministic=run.deterministic,
        # Flushed at every logged row (we log once per epoch), so a killed run keeps its rows,
        # and a resumed run continues them (training/logs.py).
        logger=ContinuedCSVLogger(run.output_dir, _resumed_log(run), name="logs", version="", flush_logs_every_n_steps=1),
        callbacks=callbacks,
        plugins=[AtomicCheckpointIO()],
        enable_progress_bar=run.progress_bar,
        num_sanity_val_steps=0,  # Keras validates only after each epoch's training
        limit_val_batches=1.0 if run.recipe.validation else 0,
        default_root_dir=run.output_dir,
    )


def _resumed_log(run: TrainingRun) -> ResumedLog | None:
    """Where a resumed run's CSV log continues (training/logs.py); None for a new run."""
    if not run.resume:
        return None
    last = checkpoint_path(run.output_dir)
    return ResumedLog.from_checkpoint(load_checkpoint(last)) if last.exists() else ResumedLog(last_epoch=-1)
