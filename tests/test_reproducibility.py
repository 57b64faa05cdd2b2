"""Same seed, same machine, CPU: identical per-epoch metrics and identical final weights."""

import torch

from lightning_port.registry import get_recipe
from tests.helpers import train
from lightning_port.support.checkpoint_files import load_checkpoint


def test_two_runs_with_one_seed_are_identical(tmp_path, data_dir):
    runs = [train(tmp_path / str(index), "mnist_mlp_rmsprop", data_dir=str(data_dir), deterministic=True) for index in range(2)]
    first, second = ([{k: v for k, v in row.items() if k != "seconds"} for row in run["history"]] for run in runs)
    assert first == second and len(first) == 2
    assert runs[0]["test"] == runs[1]["test"]
    # The recipe's full schedule at its seed: its accuracy target, which the default suite checks here
    # (its tests/test_training.py full run is in make slow).
    assert runs[0]["test"]["accuracy"] >= get_recipe("mnist_mlp_rmsprop").accuracy_target
    weights = [load_checkpoint(run["checkpoint"])["state_dict"] for run in runs]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][key], weights[1][key]) for key in weights[0])


def test_a_different_seed_gives_a_different_run(tmp_path, data_dir):
    runs = [train(tmp_path / str(seed), "mnist_mlp_rmsprop", data_dir=str(data_dir), seed=seed, epochs=1, max_train_samples=5_000) for seed in (1, 2)]
    assert runs[0]["history"][0]["loss"] != runs[1]["history"][0]["loss"]
