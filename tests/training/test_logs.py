"""logs/metrics.csv across a resume (training/logs.py), on made-up logs: every case of what a
cut can leave behind. The real kill-and-resume path is tests/test_interruption.py."""

import csv

import numpy as np

from lightning_port.training.logs import ContinuedCSVLogger, ResumedLog

HEADER = ["accuracy", "epoch", "loss", "step", "val_accuracy", "val_loss"]
# What a run with validation logs: per epoch a validation row, then the training row.
ROWS = [
    {"epoch": "0", "step": "9", "val_loss": "0.5", "val_accuracy": "0.8"},
    {"epoch": "0", "step": "9", "loss": "0.6", "accuracy": "0.7"},
    {"epoch": "1", "step": "19", "val_loss": "0.4", "val_accuracy": "0.85"},
    {"epoch": "1", "step": "19", "loss": "0.45", "accuracy": "0.8"},
    {"epoch": "2", "step": "29", "val_loss": "0.3", "val_accuracy": "0.9"},  # epoch 2 was cut before its checkpoint
]


def _log_with(tmp_path, rows):
    path = tmp_path / "logs" / "metrics.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _continue(tmp_path, resumed):
    logger = ContinuedCSVLogger(tmp_path, resumed, name="logs", version="")
    logger.experiment  # the writer is made (and the old file read) on first use, as in a fit
    return logger


def _read(path):
    with open(path, newline="") as file:
        return [{key: value for key, value in row.items() if value} for row in csv.DictReader(file)]


def test_rows_of_saved_epochs_are_kept_later_ones_dropped_and_new_ones_appended(tmp_path):
    path = _log_with(tmp_path, ROWS)
    logger = _continue(tmp_path, ResumedLog(last_epoch=1, training_row={"loss": 0.45, "accuracy": 0.8, "epoch": 1, "step": 19}))
    assert _read(path) == ROWS[:4]  # no duplicate of epoch 1's row
    logger.log_metrics({"val_loss": 0.25, "val_accuracy": 0.95, "epoch": 2}, step=29)
    logger.save()
    assert _read(path)[-1] == {"epoch": "2", "step": "29", "val_loss": "0.25", "val_accuracy": "0.95"}
    assert len(_read(path)) == 5


def test_a_training_row_cut_between_checkpoint_and_log_is_rebuilt_from_the_checkpoint(tmp_path):
    """Lightning saves the epoch's checkpoint, then logs its training row: a kill in between."""
    path = _log_with(tmp_path, ROWS[:3])  # epoch 1: validation row only
    checkpoint = {
        "epoch": 1,
        "history": [{"epoch": 1}, {"epoch": 2, "loss": 0.4500000123, "accuracy": 0.8, "val_loss": 0.4, "seconds": 3.0}],
        "loops": {"fit_loop": {"epoch_loop.state_dict": {"_batches_that_stepped": 20}}},
    }
    _continue(tmp_path, ResumedLog.from_checkpoint(checkpoint))
    rows = _read(path)
    assert rows[:3] == ROWS[:3]
    # float32, as Lightning logs it; at the last step taken
    assert rows[3] == {"epoch": "1", "step": "19", "loss": str(float(np.float32(0.4500000123))), "accuracy": str(float(np.float32(0.8)))}


def test_resumed_before_any_epoch_was_saved_keeps_only_the_header(tmp_path):
    path = _log_with(tmp_path, ROWS[:1])
    _continue(tmp_path, ResumedLog(last_epoch=-1))
    assert _read(path) == [] and path.read_text().startswith("accuracy,epoch,loss")


def test_a_new_run_starts_its_log_as_lightning_does(tmp_path):
    path = _log_with(tmp_path, ROWS)
    _continue(tmp_path, None)
    assert not path.exists()
