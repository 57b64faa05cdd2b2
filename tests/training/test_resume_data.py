"""A resumed run checks its data by content, not by path.

The checkpoint stores the SHA-256 of the arrays trained on (TutorialDataModule.state_dict):
the same data set read from another place (a moved checkout, the GPU machine's fresh copy)
resumes; other data are refused with one line, before any training, the checkpoint untouched.
"""

import shutil

import pytest
import torch

from lightning_port.data import DataError
from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.run.resolve import RunConfigError, checkpoint_path, resolve_training_run
from lightning_port.support.checkpoint_files import stored_data_digest
from lightning_port.training.fit import run_training

PIMA_FILE = "pima-indians-diabetes.csv"


def _copy_of_pima(data_dir, folder):
    folder.mkdir(parents=True)
    shutil.copyfile(data_dir / PIMA_FILE, folder / PIMA_FILE)
    return folder


def _train(output_dir, data, epochs, resume=False):
    options = {} if resume else {"model": "pima_mlp", "seed": 0}
    data = str(data) if data else None
    run = resolve_training_run(output_dir=output_dir, data_dir=data, epochs=epochs, resume=resume, progress_bar=False, **options)
    return run_training(run)


def test_moved_data_resume_and_other_data_are_refused(tmp_path, data_dir):
    first_place = _copy_of_pima(data_dir, tmp_path / "first")
    output_dir = tmp_path / "run"
    _train(output_dir, first_place, epochs=1)
    checkpoint = checkpoint_path(output_dir)
    saved = checkpoint.read_bytes()

    # Other data (one label flipped) in another folder: refused before any training.
    other = _copy_of_pima(data_dir, tmp_path / "other")
    rows = (other / PIMA_FILE).read_text().splitlines()
    rows[0] = rows[0][:-1] + ("0" if rows[0].endswith("1") else "1")
    (other / PIMA_FILE).write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match="not the ones this run was trained on") as refused:
        _train(output_dir, other, epochs=2, resume=True)
    assert str(other) in str(refused.value) and "--data-dir" in str(refused.value) and "\n" not in str(refused.value)
    assert checkpoint.read_bytes() == saved

    # The same bytes, moved: the original place is gone, the run continues from the new one.
    moved = tmp_path / "moved"
    first_place.rename(moved)
    result = _train(output_dir, moved, epochs=2, resume=True)
    assert [row["epoch"] for row in result["history"]] == [1, 2]


def test_without_data_dir_a_resume_reads_where_it_started_else_the_environment_variable(tmp_path, data_dir, monkeypatch):
    first_place = _copy_of_pima(data_dir, tmp_path / "first")
    output_dir = tmp_path / "run"
    _train(output_dir, first_place, epochs=1)
    # Where it started, while that folder exists, even if the variable names other data.
    other = _copy_of_pima(data_dir, tmp_path / "other")
    (other / PIMA_FILE).write_text((other / PIMA_FILE).read_text().replace("1\n", "0\n", 1))
    assert (other / PIMA_FILE).read_bytes() != (first_place / PIMA_FILE).read_bytes()
    monkeypatch.setenv("LIGHTNING_PORT_DATA", str(other))
    _train(output_dir, None, epochs=2, resume=True)
    moved = tmp_path / "moved"
    first_place.rename(moved)
    monkeypatch.setenv("LIGHTNING_PORT_DATA", str(moved))
    result = _train(output_dir, None, epochs=3, resume=True)
    assert [row["epoch"] for row in result["history"]] == [1, 2, 3]


def test_a_checkpoint_without_a_data_digest_keeps_its_data_where_they_were(tmp_path, data_dir):
    """Checkpoints written before the digest existed: the old rule, the same path."""
    first_place = _copy_of_pima(data_dir, tmp_path / "first")
    output_dir = tmp_path / "run"
    _train(output_dir, first_place, epochs=1)
    checkpoint = torch.load(checkpoint_path(output_dir), weights_only=False)
    assert stored_data_digest(checkpoint)  # where Lightning put the data module's state
    del checkpoint[TutorialDataModule.__qualname__]
    torch.save(checkpoint, checkpoint_path(output_dir))
    with pytest.raises(RunConfigError, match="has no digest of its data") as refused:
        _train(output_dir, _copy_of_pima(data_dir, tmp_path / "copy"), epochs=2, resume=True)
    assert str(first_place) in str(refused.value)
    assert len(_train(output_dir, first_place, epochs=2, resume=True)["history"]) == 2
