"""The committed full-schedule evidence (docs/examples/): CIFAR-10's 50 epochs and the
autoencoder's 50 + 100 in both frameworks on this kind of CPU, and the reports built from them.
Re-measured by ``scripts/train.py --model NAME`` and ``python -m keras_reference.run --model
NAME`` (about 75 minutes each here for CIFAR-10, 40-50 for the autoencoder), then
``scripts/compare.py --from-results``.
"""

from __future__ import annotations

import json

import pytest

from lightning_port.registry import get_recipe
from tests.conftest import REPOSITORY_ROOT

CIFAR = REPOSITORY_ROOT / "docs" / "examples" / "cifar_cnn"
LIGHTNING_TARGET = 0.74  # the tutorial reports 75.34%; the shared copy is a JPEG re-encoding
FRAMEWORK_GAP_POINTS = 1.5
# Known gap, measured on the committed runs: Lightning's training loss lies above Keras's in
# every epoch, by at most 3.3% relative (one seed each: noise and a small systematic
# difference cannot be told apart here; the injected-randomness 100-step trajectory in
# tests/parity/test_numerics.py can). Asserted so that a larger gap fails.
TRAINING_LOSS_GAP_RELATIVE = 0.05


def _both_results(folder) -> dict:
    """The committed result.json of each framework's run under ``folder``."""
    return {framework: json.loads((folder / framework / "result.json").read_text()) for framework in ("lightning", "keras")}


@pytest.fixture(scope="module")
def results() -> dict:
    return _both_results(CIFAR)


def test_both_frameworks_ran_the_full_schedule(results):
    recipe = get_recipe("cifar_cnn")
    for framework, result in results.items():
        assert result["model"] == "cifar_cnn" and result["seed"] == 0, framework
        assert len(result["history"]) == recipe.epochs == 50, framework
        assert result["batch_size"] == recipe.batch_size and result["commit"], framework


def test_accuracy_targets(results):
    lightning, keras = (results[name]["test"]["accuracy"] for name in ("lightning", "keras"))
    print(f"test accuracy: Lightning {lightning:.2%}, Keras {keras:.2%}, published 75.34%")
    assert lightning >= LIGHTNING_TARGET
    assert abs(lightning - keras) * 100 <= FRAMEWORK_GAP_POINTS


def test_learning_curves_overlap(results):
    pairs = zip(results["lightning"]["history"], results["keras"]["history"])
    gaps = [abs(ours["loss"] - theirs["loss"]) / theirs["loss"] for ours, theirs in pairs]
    print(f"training loss, Lightning vs Keras: largest relative gap {max(gaps):.3f} (epoch {gaps.index(max(gaps)) + 1})")
    assert max(gaps) <= TRAINING_LOSS_GAP_RELATIVE


def test_the_report_is_built_from_these_results(results):
    report = (CIFAR / "report.md").read_text()
    collected = json.loads((CIFAR / "collected.json").read_text())
    assert {run["result"]["framework"]: run["result"]["test"] for run in collected["runs"]} == {name: result["test"] for name, result in results.items()}
    for result in results.values():
        assert f"{result['test']['accuracy']:.2%}" in report
    assert (CIFAR / "learning_curves.png").stat().st_size > 10_000


AUTOENCODER = REPOSITORY_ROOT / "docs" / "examples" / "full-schedule" / "mnist_autoencoder"


@pytest.fixture(scope="module")
def autoencoder_results() -> dict:
    return _both_results(AUTOENCODER)


def test_the_autoencoder_ran_the_listings_full_schedule(autoencoder_results):
    """The outcome rows train 2 + 4 epochs (the recipe's Evidence); these runs are the listing's
    50 + 100, once per framework, as the Functional-models issue asks."""
    recipe = get_recipe("mnist_autoencoder")
    for framework, result in autoencoder_results.items():
        assert result["model"] == "mnist_autoencoder" and result["seed"] == 0, framework
        assert len(result["history"]) == recipe.epochs == 150, framework
        assert result["batch_size"] == recipe.batch_size and result["commit"], framework
        assert result["train_samples"] == 60_000, framework  # every training image
    # A fresh order every epoch, as the listing trains (README, Reproducibility).
    assert autoencoder_results["keras"]["epoch_order"] == "reshuffled"


def test_the_autoencoders_full_schedule_test_losses_agree(autoencoder_results):
    """One seed each, against the outcome rows' margin, 2% of Keras's test loss (a port error
    that matters moves it by more: the recipe's Evidence). The outcome rows hold the far end of
    a 3-against-3 interval to it; a single pair is noisier, but at the shorter schedule the
    seeds spread by 0.2% of the loss per framework and the frameworks sat 0.4% apart, so 2%
    leaves several spreads of room. The spread at 150 epochs is not measured: one run each."""
    recipe = get_recipe("mnist_autoencoder")
    lightning, keras = (autoencoder_results[name]["test"]["loss"] for name in ("lightning", "keras"))
    relative = (lightning - keras) / keras
    print(f"denoising test loss after 50 + 100 epochs: Lightning {lightning:.5f}, Keras {keras:.5f} ({relative:+.2%} of Keras's)")
    assert abs(relative) <= recipe.evidence.outcome_margin_relative


def test_the_autoencoder_report_is_built_from_these_results(autoencoder_results):
    collected = json.loads((AUTOENCODER / "collected.json").read_text())
    assert len(collected["runs"]) == 2
    assert {run["result"]["framework"]: run["result"]["test"] for run in collected["runs"]} == {name: result["test"] for name, result in autoencoder_results.items()}
    report = (AUTOENCODER / "report.md").read_text()
    for result in autoencoder_results.values():
        assert f"{result['test']['loss']:.5f}" in report
