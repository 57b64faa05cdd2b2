"""Callbacks that make a Lightning run behave like a Keras ``fit`` and survive a restart."""

from __future__ import annotations

import time

import lightning as L
import torch
from lightning.pytorch.callbacks import TQDMProgressBar

# Mixes the epoch into the seed (see datamodules.batches for the shuffle order).
_EPOCH_SEED_STRIDE = 1_000_003


class EpochSeeding(L.Callback):
    """Reseeds torch's generators (dropout masks, augmentation draws) at every epoch start.

    The random stream of epoch k then depends only on (seed, k), so a run resumed from the
    checkpoint of epoch k-1 continues exactly as the uninterrupted run would have.
    """

    def __init__(self, seed: int):
        self.seed = seed

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        torch.manual_seed(self.seed * _EPOCH_SEED_STRIDE + trainer.current_epoch + 1)


# Progress-bar refreshes per epoch: often enough to watch, rare enough that reading the
# running metrics (a host sync) never shows up in the step time.
PROGRESS_REFRESHES_PER_EPOCH = 50


class RunningMetricsProgressBar(TQDMProgressBar):
    """Lightning's tqdm bar, showing the epoch's running loss/accuracy as Keras's bar does.

    The running values are read from the module's on-device totals only when the bar
    refreshes (about PROGRESS_REFRESHES_PER_EPOCH times an epoch), so training steps stay
    free of host syncs.
    """

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        total = self.total_train_batches
        if isinstance(total, int) and total > 0:
            self._refresh_rate = max(1, total // PROGRESS_REFRESHES_PER_EPOCH)
        super().on_train_epoch_start(trainer, pl_module)

    def get_metrics(self, trainer, pl_module):
        metrics = super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)
        if trainer.training and hasattr(pl_module, "running_metrics"):
            for name, value in pl_module.running_metrics().items():
                metrics[name] = f"{value:.4f}"
        return metrics


class EpochClock(L.Callback):
    """Wall time of each whole epoch as a user experiences it: from one epoch's start to the
    next one's (or to the end of training), so validation, checkpoint writing, logging and
    progress-bar updates are all included."""

    def __init__(self):
        self.starts: list[float] = []
        self.seconds: list[float] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        now = time.perf_counter()
        if self.starts:
            self.seconds.append(now - self.starts[-1])
        self.starts.append(now)

    def on_train_end(self, trainer, pl_module) -> None:
        if self.starts:
            self.seconds.append(time.perf_counter() - self.starts[-1])
