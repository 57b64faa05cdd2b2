"""result.json: atomic writes, and a clear error for every malformed file."""

import json
import os

import pytest

from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.results import ResultFileError, package_versions, read_result, write_result

VALID = {
    "model": "mnist_mlp", "framework": "lightning", "seed": 0, "epochs": 1, "batch_size": 32,
    "history": [{"epoch": 1, "loss": 0.3, "accuracy": 0.9, "seconds": 2.0}],
    "test": {"loss": 0.2, "accuracy": 0.95}, "train_samples": 100, "wall_time_s": 3.0,
    "device": "CPU", "versions": {"python": "3.11"},
}


def test_write_then_read_round_trip(tmp_path):
    write_result(tmp_path, VALID)
    assert read_result(tmp_path)["test"] == VALID["test"]


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    atomic_write_json(path, {"old": True})

    def crash(*_):
        raise KeyboardInterrupt  # as if the user hit Ctrl-C mid-write

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_json(path, {"new": True})
    assert json.loads(path.read_text()) == {"old": True}
    assert os.listdir(tmp_path) == ["result.json"]


def test_an_invalid_result_is_never_written(tmp_path):
    with pytest.raises(ResultFileError):
        write_result(tmp_path, {**VALID, "history": [{"epoch": 1}]})
    assert not (tmp_path / "result.json").exists()


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('{"model": "mnist_mlp", "framework"', "not valid JSON (line 1"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({k: v for k, v in VALID.items() if k != "test"}), "missing field 'test'"),
        (json.dumps({**VALID, "framework": "caffe"}), "framework 'caffe' is not one of lightning, keras"),
        (json.dumps({**VALID, "epochs": "5"}), "field 'epochs' should be an integer, got '5'"),
        (json.dumps({**VALID, "history": [{"epoch": 2, "loss": 1, "accuracy": 1, "seconds": 1}]}), "history[0] is epoch 2, expected 1"),
        (json.dumps({**VALID, "test": {"loss": 0.1}}), "test lacks 'accuracy', which the training rows log"),
        (json.dumps({**VALID, "test": {"loss": "NaN", "accuracy": 1}}), "test.loss is 'NaN', expected a finite number"),
    ],
)
def test_malformed_result_files_name_the_file(tmp_path, content, fragment):
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(ResultFileError) as error:
        read_result(path)
    message = str(error.value)
    assert message.startswith(str(path)) and fragment in message and "\n" not in message


def test_missing_result_file(tmp_path):
    with pytest.raises(ResultFileError, match="no such result file"):
        read_result(tmp_path / "nothing")


def test_a_loss_only_result_is_valid(tmp_path):
    """A model compiled without metrics (the autoencoder) logs and is tested on its loss alone."""
    loss_only = {**VALID, "history": [{"epoch": 1, "loss": 0.3, "val_loss": 0.31, "seconds": 2.0}], "test": {"loss": 0.2}}
    write_result(tmp_path, loss_only)
    assert read_result(tmp_path)["test"] == {"loss": 0.2}


def test_package_versions_finds_an_import_name_through_the_distribution_that_installs_it(monkeypatch):
    import importlib.metadata

    installed = {"tensorflow-cpu": "2.21.0", "numpy": "2.4.6"}

    def version(name):
        if name not in installed:
            raise importlib.metadata.PackageNotFoundError(name)
        return installed[name]

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: {"tensorflow": ["tensorflow-cpu"], "numpy": ["numpy"]})
    versions = package_versions("tensorflow", "numpy", "jax")
    assert {name: value for name, value in versions.items() if name != "python"} == {"tensorflow": "2.21.0", "numpy": "2.4.6"}
