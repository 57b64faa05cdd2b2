"""The committed full-schedule evidence (docs/examples/): CIFAR-10's 50 epochs in both
frameworks on this kind of CPU, and the report built from them. Re-measured by
``scripts/train.py --model cifar_cnn`` and ``python -m keras_reference.run --model cifar_cnn``
(about 75 minutes each here), then ``scripts/compare.py --from-results``.
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


@pytest.fixture(scope="module")
def results() -> dict:
    return {framework: json.loads((CIFAR / framework / "result.json").read_text()) for framework in ("lightning", "keras")}


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
