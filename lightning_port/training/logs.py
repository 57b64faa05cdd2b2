"""The run's CSV log, ``logs/metrics.csv``, continued across ``--resume``.

Lightning's ``CSVLogger`` deletes an existing metrics.csv when it starts writing ("Previous
log files in this directory will be deleted"), so a resumed run would lose the rows of the
epochs before the cut. Here a resumed run keeps the rows of the epochs its checkpoint holds
(a row logged after that checkpoint belongs to an epoch that runs again, so it is dropped)
and appends its own. Lightning saves an epoch's checkpoint just before it logs that epoch's
training row; a run killed in between gets the row back from the checkpoint's history.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass

import numpy as np

from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.loggers.logger import rank_zero_experiment

from lightning_port.support.atomic import atomic_write_text


@dataclass(frozen=True)
class ResumedLog:
    """Where a resumed run's log continues: ``last_epoch`` is the checkpoint's (zero-based)
    epoch, -1 when no epoch was saved; ``training_row`` is that epoch's training row as
    Lightning logs it, rebuilt from the checkpoint (None when it cannot be)."""

    last_epoch: int
    training_row: dict | None = None

    @classmethod
    def from_checkpoint(cls, checkpoint: dict) -> ResumedLog:
        epoch = int(checkpoint["epoch"])
        history = checkpoint.get("history") or []
        loop = checkpoint.get("loops", {}).get("fit_loop", {}).get("epoch_loop.state_dict", {})
        stepped = loop.get("_batches_that_stepped")
        if not history or stepped is None:
            return cls(epoch)
        # The history row holds the training metrics under their logged names, beside the
        # validation ones (logged earlier, in their own row) and the epoch's duration.
        # Lightning logs them as float32 (its default dtype): rounded the same way here.
        metrics = {
            name: float(np.float32(value)) for name, value in history[-1].items() if name not in ("epoch", "seconds") and not name.startswith("val_")
        }
        # Lightning logs epoch-end training metrics at the last step taken (_batches_that_stepped - 1).
        return cls(epoch, {**metrics, "epoch": epoch, "step": stepped - 1})


class ContinuedCSVLogger(CSVLogger):
    """``resumed``: None for a new run (Lightning's own behaviour), else where the log continues."""

    def __init__(self, save_dir: str | os.PathLike, resumed: ResumedLog | None, **options):
        super().__init__(save_dir, **options)
        self._resumed = resumed

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _ContinuedWriter(self.log_dir, self._resumed)
        return self._experiment


class _ContinuedWriter(ExperimentWriter):
    def __init__(self, log_dir: str, resumed: ResumedLog | None):
        self._resumed = resumed
        super().__init__(log_dir)

    def _check_log_dir_exists(self) -> None:
        # Called by the parent's __init__ once metrics_file_path is set, before anything is written.
        if self._resumed is None or not os.path.isfile(self.metrics_file_path):
            return super()._check_log_dir_exists()
        with open(self.metrics_file_path, newline="") as file:
            reader = csv.DictReader(file)
            header = list(reader.fieldnames or [])
            kept = [row for row in reader if _epoch(row) is not None and _epoch(row) <= self._resumed.last_epoch]
        missing = self._resumed.training_row
        if missing is not None and any(_is_row(row, missing) for row in kept):
            missing = None
        if missing is not None:
            kept.append({name: str(value) for name, value in missing.items()})
            header = sorted(set(header) | set(missing))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=header)
        writer.writeheader()
        writer.writerows(kept)
        atomic_write_text(self.metrics_file_path, text.getvalue())
        # Later rows are appended under this header (Lightning rewrites it if new keys appear).
        self.metrics_keys = header


def _epoch(row: dict) -> int | None:
    try:
        return int(float(row.get("epoch") or ""))
    except ValueError:
        return None


def _is_row(row: dict, training_row: dict) -> bool:
    """``row`` is that epoch's training row (not its validation row, logged at the same epoch)."""
    names = [name for name in training_row if name not in ("epoch", "step")]
    return _epoch(row) == training_row["epoch"] and all(row.get(name) for name in names)
