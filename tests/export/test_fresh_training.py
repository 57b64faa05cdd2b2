"""An exported tutorial trains from its own train.py in a fresh folder outside the checkout,
where only torch, lightning, torchmetrics and numpy (and their dependencies) can be imported."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from lightning_port.data.mnist import load_mnist_split
from lightning_port.export.environment import fresh_run
from lightning_port.export.exporter import export_recipe
from lightning_port.models import build_backbone
from lightning_port.registry import get_recipe
from lightning_port.training.system import TutorialClassifier

FIGURES = re.compile(r"test loss (?P<loss>[0-9.]+), accuracy (?P<accuracy>[0-9.]+)%")


def figures(completed, trained: bool = True) -> dict[str, float]:
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = FIGURES.search(completed.stdout)
    assert found, completed.stdout[-2000:]
    assert bool(re.search(r"checkpoint: .*\.ckpt", completed.stdout)) == trained
    return {"loss": float(found["loss"]), "accuracy": float(found["accuracy"]) / 100}


def test_your_own_arrays_and_given_weights(tmp_path, data_dir):
    """train.py --npz on a slice of MNIST, from weights.ckpt, 0 epochs: its test figures are
    those of the framework module holding the same weights. (Training runs: the slow test
    below, and the README's figures.)"""
    recipe = get_recipe("mnist_mlp")
    torch.manual_seed(3)
    state = build_backbone(recipe).state_dict()
    export_recipe(recipe, tmp_path / "mnist_mlp", state)
    (train_images, train_labels), (test_images, test_labels) = load_mnist_split(data_dir, "train"), load_mnist_split(data_dir, "test")
    np.savez(tmp_path / "slice.npz", x_train=train_images[:2_000], y_train=train_labels[:2_000], x_test=test_images[:500], y_test=test_labels[:500])
    untrained = figures(fresh_run(tmp_path / "mnist_mlp", ["--npz", tmp_path / "slice.npz", "--epochs", "0", "--weights", "weights.ckpt", "--accelerator", "cpu"], parent=tmp_path, capture=True), trained=False)
    system = TutorialClassifier(recipe)
    system.backbone.load_state_dict(state)
    inputs = torch.from_numpy(((test_images[:500] / 255 - 0.5).astype(np.float32)).reshape(500, 784))
    with torch.no_grad():
        accuracy = float((system.probabilities(inputs).argmax(-1).numpy() == test_labels[:500]).mean())
    assert untrained["accuracy"] == pytest.approx(accuracy, abs=1e-4)


def test_a_missing_data_set_is_one_line(tmp_path):
    export_recipe(get_recipe("mnist_mlp"), tmp_path / "mnist_mlp")
    completed = fresh_run(tmp_path / "mnist_mlp", ["--data-dir", tmp_path / "nowhere"], parent=tmp_path, capture=True)
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == f"train.py: error: {tmp_path / 'nowhere' / 'MNIST' / 'raw' / 'train-images-idx3-ubyte'}: missing; put MNIST's IDX files in {tmp_path / 'nowhere' / 'MNIST' / 'raw'} or pass --data-dir"


@pytest.mark.slow
def test_mnist_mlp_reaches_its_tutorials_accuracy_at_its_recipe(tmp_path, data_dir):
    recipe = get_recipe("mnist_mlp")
    export_recipe(recipe, tmp_path / "mnist_mlp")
    result = figures(fresh_run(tmp_path / "mnist_mlp", ["--data-dir", data_dir, "--accelerator", "cpu"], parent=tmp_path, capture=True))
    assert result["accuracy"] >= recipe.accuracy_target  # 96.0%
