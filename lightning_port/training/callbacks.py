"""Callbacks that make a Lightning run behave like a Keras ``fit`` and survive a restart."""

from __future__ import annotations

import signal
import threading
import time

import lightning as L
import torch
from lightning.pytorch.callbacks import TQDMProgressBar

from lightning_port.layers.randomness import random_layers, use_generator
from lightning_port.support.seeds import Stream, stream_seed


class EpochSeeding(L.Callback):
    """Reseeds torch's global generators (dropout masks) at every epoch start, per rank, and
    hands the model's random augmentation layers a generator of their own stream.

    The dropout and layer-augmentation streams of epoch k then depend only on (seed, k, rank)
    (``support.seeds``), so a run resumed from the checkpoint of epoch k-1 continues exactly as
    the uninterrupted run would have, and DDP ranks draw differently for their different
    samples. The augmentation layers draw once per forward pass, that is once per Keras batch in
    order, whatever the steps per execution (``layers.randomness``).
    """

    speed_mode_safe = True

    def __init__(self, seed: int):
        self.seed = seed

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        epoch, rank = trainer.current_epoch, trainer.global_rank
        torch.manual_seed(stream_seed(self.seed, Stream.DROPOUT, epoch, rank))
        if random_layers(pl_module):
            generator = torch.Generator(device=pl_module.device).manual_seed(stream_seed(self.seed, Stream.LAYER_AUGMENTATION, epoch, rank))
            use_generator(pl_module, generator)


# Progress-bar refreshes per epoch: often enough to watch, rare enough that reading the
# running metrics (a host sync) never shows up in the step time. And at most one refresh per
# PROGRESS_REFRESH_SECONDS: an epoch of 59 compiled executions (mnist_mlp, K = 32) lasts about
# half a second, in which 50 refreshes of ~0.5 ms each would be 5% of it.
PROGRESS_REFRESHES_PER_EPOCH = 50
PROGRESS_REFRESH_SECONDS = 0.2


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
        self._last_refresh = time.perf_counter()
        super().on_train_epoch_start(trainer, pl_module)

    def _should_update(self, current: int, total: int) -> bool:
        if not super()._should_update(current, total):
            return False
        now = time.perf_counter()
        if current != total and now - getattr(self, "_last_refresh", 0.0) < PROGRESS_REFRESH_SECONDS:
            return False
        self._last_refresh = now
        return True

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


class GracefulInterrupt(L.Callback):
    """Ctrl-C during fit stops at the next batch boundary, through Lightning's own
    KeyboardInterrupt handling (status "interrupted", teardown, last checkpoint kept).

    Python raises KeyboardInterrupt wherever the interpreter happens to be; when that is a
    finalizer or a callback invoked from C++ (autograd, tensor deallocation), the exception is
    printed as "ignored" and training carries on. The handler therefore only records the
    request, and the check below raises it from ordinary code. A second Ctrl-C raises at once.
    """

    speed_mode_safe = True  # checks a flag at batch boundaries; per execution is fine

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def on_fit_start(self, trainer, pl_module) -> None:
        if threading.current_thread() is threading.main_thread():
            self.requested = False
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _check(self, *_) -> None:
        if self.requested:
            raise KeyboardInterrupt

    on_train_batch_end = _check
    on_validation_batch_end = _check
    on_train_epoch_start = _check

    def teardown(self, trainer, pl_module, stage: str) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
