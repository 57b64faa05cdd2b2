"""Killed or interrupted runs lose nothing: resume finishes exactly as an uninterrupted run.

The signals are sent when the run has written its epoch-1 checkpoint (an event the run
itself makes), not after a fixed sleep: on any machine, fast or slow, they then land
after epoch 1 was saved and before epoch 2 was.
"""

import csv
import signal
import time

import pytest
import torch

from lightning_port.support.checkpoint_files import load_checkpoint
from lightning_port.support.results import read_result
from tests.cli.scripts import run_script, start_script

ARGUMENTS = ["--model", "mnist_mlp", "--epochs", "3", "--accelerator", "cpu", "--no-progress-bar"]


def _wait_for(path, process, timeout=300):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _metrics(history):
    return [{key: value for key, value in row.items() if key != "seconds"} for row in history]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("uninterrupted") / "run"
    completed = run_script("train.py", *ARGUMENTS, "--output-dir", str(output_dir))
    assert completed.returncode == 0, completed.stderr
    return output_dir


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path, uninterrupted):
    output_dir = tmp_path / "run"
    checkpoint = output_dir / "checkpoints" / "last.ckpt"
    process = start_script("train.py", *ARGUMENTS, "--output-dir", str(output_dir))
    _wait_for(checkpoint, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    saved = load_checkpoint(checkpoint)
    assert len(saved["history"]) == 1, "the kill was meant to land in epoch 2"
    assert not (output_dir / "result.json").exists()
    assert not list(checkpoint.parent.glob("*.tmp")), "a temporary file was left behind"

    resumed = run_script("train.py", "--output-dir", str(output_dir), "--resume", "--no-progress-bar")
    assert resumed.returncode == 0, resumed.stderr
    result = read_result(output_dir)
    assert [row["epoch"] for row in result["history"]] == [1, 2, 3]
    expected = read_result(uninterrupted)
    assert _metrics(result["history"]) == _metrics(expected["history"])
    assert result["test"] == expected["test"]
    # What the README promises: the resumed run ends with the same weights, bit for bit.
    resumed_weights = load_checkpoint(checkpoint)["state_dict"]
    expected_weights = load_checkpoint(uninterrupted / "checkpoints" / "last.ckpt")["state_dict"]
    assert resumed_weights.keys() == expected_weights.keys()
    assert all(torch.equal(resumed_weights[key], expected_weights[key]) for key in expected_weights)
    # The CSV log continues across the resume: epoch 1's row is kept, not deleted (Lightning's
    # own CSVLogger would start a new file), and the rows match the uninterrupted run's.
    assert _log_rows(output_dir) == _log_rows(uninterrupted)
    training_rows = [row["epoch"] for row in _log_rows(output_dir) if row["loss"]]
    assert training_rows == ["0", "1", "2"] and _log_rows(output_dir)[-1]["test_loss"]  # then the test row


def _log_rows(output_dir):
    with open(output_dir / "logs" / "metrics.csv", newline="") as file:
        return [{key: value for key, value in row.items() if "seconds" not in key and "time" not in key} for row in csv.DictReader(file)]


def test_ctrl_c_stops_cleanly_and_says_where_the_checkpoint_is(tmp_path):
    output_dir = tmp_path / "run"
    checkpoint = output_dir / "checkpoints" / "last.ckpt"
    process = start_script("train.py", *ARGUMENTS, "--output-dir", str(output_dir))
    _wait_for(checkpoint, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert f"the last complete epoch (1) is saved in {checkpoint}" in stderr
    assert f"--output-dir {output_dir} --resume" in stderr
    assert len(load_checkpoint(checkpoint)["history"]) == 1


def test_ctrl_c_is_recorded_then_raised_at_a_batch_boundary():
    """The signal handler itself never raises on the first Ctrl-C (it might be running inside
    a finalizer, where Python would swallow the exception); the next batch boundary does."""
    from lightning_port.training.callbacks import GracefulInterrupt

    interrupt = GracefulInterrupt()
    interrupt.on_train_batch_end(None, None, None, None, 0)  # nothing requested: no-op
    interrupt._handle(signal.SIGINT, None)
    assert interrupt.requested
    with pytest.raises(KeyboardInterrupt):
        interrupt.on_train_batch_end(None, None, None, None, 1)
    with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C does not wait
        interrupt._handle(signal.SIGINT, None)
