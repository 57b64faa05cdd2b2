"""Checkpoints are read as data: a checkpoint carrying a pickled payload is refused, not run."""

import os

import torch

from lightning_port.support.checkpoint_files import CheckpointError, load_checkpoint
from tests.cli.scripts import last_error_line, run_script


class _Payload:
    """Unpickling this would call os.system (or anything else) on the loading machine."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_a_checkpoint_with_a_pickled_payload_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "payload-ran"
    checkpoint = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "model_name": "mnist_mlp", "hyper_parameters": _Payload(f"touch {marker}")}, checkpoint)
    try:
        load_checkpoint(checkpoint)
    except CheckpointError as error:
        message = str(error)
    else:
        raise AssertionError("the checkpoint was loaded")
    assert "refused: the file would import Python code" in message and "posix.system" in message
    for script, arguments in (("predict.py", ["--checkpoint", str(checkpoint)]), ("train.py", ["--weights", str(checkpoint), "--epochs", "1", "--max-train-samples", "64", "--output-dir", str(tmp_path / "run")])):
        completed = run_script(script, *arguments, timeout=300)
        assert completed.returncode == 1, completed.stderr[-2000:]
        assert "refused: the file would import Python code" in last_error_line(completed)
    assert not marker.exists(), "the payload ran"


def test_every_checkpoint_read_in_the_project_goes_through_load_checkpoint():
    """No torch.load with weights_only=False anywhere in the package."""
    from tests.conftest import REPOSITORY_ROOT

    offenders = [
        str(path.relative_to(REPOSITORY_ROOT))
        for package in ("lightning_port", "keras_reference", "scripts")
        for path in (REPOSITORY_ROOT / package).rglob("*.py")
        if "weights_only=False" in path.read_text()
    ]
    assert not offenders, offenders
