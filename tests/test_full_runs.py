"""make parity's full-length runs outlive the session (conftest.FullRuns): a finished run is read
back, never trained again, and a folder holding another run is refused, not reused."""

import json

import pytest

from tests.conftest import FullRuns


def test_a_finished_run_is_read_back_and_another_runs_folder_is_refused(tmp_path):
    runs = FullRuns(tmp_path, tmp_path / "data")
    folder = runs.output_dir("keras", "mnist_mlp", 3, epochs=2)
    folder.mkdir()
    result = {"model": "mnist_mlp", "framework": "keras", "seed": 3, "batch_size": 32, "epochs": 2, "test": {"accuracy": 0.9}, "commit": "abc"}
    (folder / "result.json").write_text(json.dumps(result))
    assert runs.get("keras", "mnist_mlp", 3, epochs=2) == result  # no data folder: nothing was trained

    # The recipe's epochs where none are given, and its batch size: a run of another is refused.
    default = runs.output_dir("keras", "mnist_mlp", 4)
    default.mkdir()
    (default / "result.json").write_text(json.dumps(result | {"seed": 4, "epochs": 5, "batch_size": 128}))
    with pytest.raises(RuntimeError, match="holds another run"):
        runs.get("keras", "mnist_mlp", 4)
    (default / "result.json").write_text(json.dumps(result | {"seed": 4, "epochs": 5}))
    assert runs.get("keras", "mnist_mlp", 4)["epochs"] == 5  # mnist_mlp's recipe: 5 epochs of batch 32

    other = runs.output_dir("lightning", "mnist_mlp", 3, epochs=2)
    other.mkdir()
    (other / "result.json").write_text(json.dumps(result))  # a Keras result in the Lightning run's folder
    with pytest.raises(RuntimeError, match="holds another run"):
        runs.get("lightning", "mnist_mlp", 3, epochs=2)


def test_a_stored_keras_run_of_the_other_epoch_order_is_refused(tmp_path):
    """Keras TensorFlow runs made before 543d716 replayed one order in every epoch (README,
    Reproducibility): the outcome rows, which want the listings' reshuffled order, refuse them;
    the one-run accuracy targets, which ask for the replayed order, read them."""
    runs = FullRuns(tmp_path, tmp_path / "data")
    old = {"model": "mnist_mlp", "framework": "keras", "backend": "tensorflow", "seed": 0, "batch_size": 32, "epochs": 5, "commit": "cf5134dabcde"}
    runs.output_dir("keras", "mnist_mlp", 0).mkdir()
    (runs.output_dir("keras", "mnist_mlp", 0) / "result.json").write_text(json.dumps(old))
    with pytest.raises(RuntimeError, match="epochs were replayed, not reshuffled"):
        runs.get("keras", "mnist_mlp", 0)
    runs.output_dir("keras", "mnist_mlp", 0, replay_epoch_order=True).mkdir()
    (runs.output_dir("keras", "mnist_mlp", 0, replay_epoch_order=True) / "result.json").write_text(json.dumps(old))
    assert runs.get("keras", "mnist_mlp", 0, replay_epoch_order=True)["commit"] == "cf5134dabcde"
    for seed, stored in ((1, old | {"seed": 1, "commit": "543d716f6159-dirty"}), (2, old | {"seed": 2, "commit": "0e369d8", "epoch_order": "reshuffled"})):
        runs.output_dir("keras", "mnist_mlp", seed).mkdir()
        (runs.output_dir("keras", "mnist_mlp", seed) / "result.json").write_text(json.dumps(stored))
        assert runs.get("keras", "mnist_mlp", seed)["seed"] == seed
