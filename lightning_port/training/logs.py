"""The run's CSV log, ``logs/metrics.csv``, continued across ``--resume``.

Lightning's ``CSVLogger`` deletes an existing metrics.csv when it starts writing ("Previous
log files in this directory will be deleted"), so a resumed run would lose the rows of the
epochs before the cut. Here a resumed run keeps the rows of the epochs its checkpoint holds
(a row logged after that checkpoint belongs to an epoch that runs again, so it is dropped)
and appends its own.
"""

from __future__ import annotations

import csv
import io
import os

from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.loggers.logger import rank_zero_experiment

from lightning_port.support.atomic import atomic_write_text


class ContinuedCSVLogger(CSVLogger):
    """``last_saved_epoch``: the checkpoint's epoch (zero-based) when resuming, else None (a
    new run: Lightning's behaviour). -1: resumed before any epoch was saved (starts over)."""

    def __init__(self, save_dir: str | os.PathLike, last_saved_epoch: int | None, **options):
        super().__init__(save_dir, **options)
        self._last_saved_epoch = last_saved_epoch

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _ContinuedWriter(self.log_dir, self._last_saved_epoch)
        return self._experiment


class _ContinuedWriter(ExperimentWriter):
    def __init__(self, log_dir: str, last_saved_epoch: int | None):
        self._last_saved_epoch = last_saved_epoch
        super().__init__(log_dir)

    def _check_log_dir_exists(self) -> None:
        if self._last_saved_epoch is None or not os.path.isfile(self.metrics_file_path):
            return super()._check_log_dir_exists()
        with open(self.metrics_file_path, newline="") as file:
            reader = csv.DictReader(file)
            header = list(reader.fieldnames or [])
            kept = [row for row in reader if _epoch(row) is not None and _epoch(row) <= self._last_saved_epoch]
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
