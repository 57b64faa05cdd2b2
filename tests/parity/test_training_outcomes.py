"""The same data through both frameworks for the tutorial's schedule: do they end up alike?"""

import statistics

import pytest

from lightning_port.registry import get_recipe
from tests.helpers import train
from tests.test_training import CIFAR_SHORT_RUN

pytestmark = pytest.mark.parity
SEEDS = 3
# Largest allowed |mean Lightning test accuracy - mean Keras test accuracy|, in points.
MEAN_ACCURACY_GAP = {"mnist_mlp": 0.5, "mnist_mlp_rmsprop": 0.5, "mnist_mlp_512": 0.5, "pima_mlp": 3.0}


def _summary(results):
    values = [100 * result["test"]["accuracy"] for result in results]
    return statistics.mean(values), statistics.stdev(values), values


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MEAN_ACCURACY_GAP))
def test_three_seeds_per_framework_agree(name, full_runs, keras_tensorflow, parity):
    recipe = get_recipe(name)
    seeds = [recipe.default_seed + offset for offset in range(SEEDS)]
    lightning_mean, lightning_std, lightning_values = _summary([full_runs.get("lightning", name, s) for s in seeds])
    keras_mean, keras_std, keras_values = _summary([full_runs.get("keras", name, s) for s in seeds])
    detail = (
        f"Lightning {lightning_mean:.2f}+-{lightning_std:.2f} {[round(v, 2) for v in lightning_values]}, "
        f"Keras {keras_mean:.2f}+-{keras_std:.2f} {[round(v, 2) for v in keras_values]}, seeds {seeds}"
    )
    entry = parity.record("outcome: |mean test accuracy gap|, points", name, abs(lightning_mean - keras_mean), MEAN_ACCURACY_GAP[name], detail=detail)
    assert entry.passed


def test_cifar_short_run_both_frameworks_learn_alike(full_runs, keras_tensorflow, parity):
    """2,000 training images, 3 epochs, same subset: both losses must fall by a comparable amount."""
    lightning = full_runs.get("lightning", "cifar_cnn", 0, **CIFAR_SHORT_RUN)
    keras = full_runs.get("keras", "cifar_cnn", 0, **CIFAR_SHORT_RUN)
    drops = {}
    for framework, result in (("lightning", lightning), ("keras", keras)):
        losses = [row["loss"] for row in result["history"]]
        drops[framework] = losses[0] - losses[-1]
        assert drops[framework] > 0, f"{framework} loss did not fall: {losses}"
    # "Comparable": the smaller fall is at least half the larger one.
    ratio = min(drops.values()) / max(drops.values())
    detail = f"loss fall epoch 1->3: Lightning {drops['lightning']:.4f}, Keras {drops['keras']:.4f}"
    entry = parity.record("outcome: cifar 2k-image loss-fall ratio", "cifar_cnn", ratio, 0.5, comparison=">=", detail=detail)
    assert entry.passed


@pytest.mark.slow
@pytest.mark.gpu
def test_cifar_full_schedule_both_frameworks(tmp_path, data_dir, parity):
    """50 epochs each; Keras on its torch backend (the GPU machine has no TensorFlow)."""
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    from keras_reference.run import KerasRunOptions, run_reference

    lightning = train(tmp_path, "cifar_cnn", data_dir=str(data_dir), accelerator="gpu")
    keras = run_reference(KerasRunOptions(model="cifar_cnn", output_dir=str(tmp_path / "keras"), data_dir=str(data_dir), backend="torch", verbose=2))
    gap = 100 * abs(lightning["test"]["accuracy"] - keras["test"]["accuracy"])
    detail = f"Lightning {lightning['test']['accuracy']:.4f}, Keras/torch {keras['test']['accuracy']:.4f}"
    entry = parity.record("outcome: cifar 50-epoch test accuracy gap, points", "cifar_cnn", gap, 2.0, detail=detail)
    assert entry.passed
