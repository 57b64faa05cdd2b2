"""addition_rnn's outcome row, a known gap: its verdict depends on which Keras runs it reads.

The committed outcome runs (docs/examples/addition_rnn: Lightning at c5017b5..1412f69, Keras at
543d716 and 1412f69) fail the +-1.0 point margin; the same runner, code and Keras and NumPy versions
trained 8 Keras runs again at a7d9bf3 on a machine of the same kind (its `machine` string),
though twice as slow (docs/examples/keras-rerun/addition_rnn), and against the same Lightning
runs the row passes.
The difference is the Keras runs' last epoch (README, Tests: "addition_rnn"), not found why.
Both verdicts are asserted, so that a change in either set of runs shows up here. Re-measured by
``python -m keras_reference.run --model addition_rnn --seed N`` for N in 0..7, then the outcome
test (tests/parity/test_training_outcomes.py) with LIGHTNING_PORT_FULL_RUNS holding those runs.
"""

from __future__ import annotations

import json

import pytest

from lightning_port.evidence.statistics import welch_interval
from lightning_port.registry import get_recipe
from tests.conftest import REPOSITORY_ROOT

COMMITTED = REPOSITORY_ROOT / "docs" / "examples" / "addition_rnn" / "collected.json"
RERUN = REPOSITORY_ROOT / "docs" / "examples" / "keras-rerun" / "addition_rnn"
LAST_EPOCH_FALL = 0.98  # held-out per-character accuracy below this at the last epoch counts as a fall


@pytest.fixture(scope="module")
def runs() -> dict:
    collected = json.loads(COMMITTED.read_text())
    by_framework: dict[str, dict[int, dict]] = {"lightning": {}, "keras": {}}
    for run in collected["runs"]:
        by_framework[run["result"]["framework"]][run["result"]["seed"]] = run["result"]
    rerun = {}
    for path in sorted(RERUN.glob("keras/seed*/result.json")):
        result = json.loads(path.read_text())
        rerun[result["seed"]] = result
    return {"lightning": by_framework["lightning"], "keras": by_framework["keras"], "keras_rerun": rerun}


def _accuracies(results: dict[int, dict]) -> list[float]:
    return [100 * results[seed]["test"]["accuracy"] for seed in sorted(results)]


def test_the_rerun_is_the_outcome_rows_schedule_and_seeds(runs):
    recipe = get_recipe("addition_rnn")
    seeds = list(range(recipe.default_seed, recipe.default_seed + recipe.evidence.outcome_seeds))
    for name in ("lightning", "keras", "keras_rerun"):
        assert sorted(runs[name]) == seeds, name
        # history[-1] is read as the last epoch below: every run has all of them
        assert all(len(result["history"]) == recipe.epochs for result in runs[name].values()), name
    committed = runs["keras"][0]
    for result in runs["keras_rerun"].values():
        assert (result["model"], result["framework"], result["epochs"], result["batch_size"]) == ("addition_rnn", "keras", recipe.epochs, recipe.batch_size)
        # "a7d9bf32ce9a-dirty": the tree carried README and comment edits, and from seed 6 on
        # 017f88f's version fix; none changes what a run computes (README, Tests)
        assert result["epoch_order"] == "reshuffled" and result["commit"] == "a7d9bf32ce9a-dirty"
        for package in ("keras", "numpy"):
            assert result["versions"][package] == committed["versions"][package], package
        assert result["machine"] == committed["machine"]  # the same kind: "vm (AMD EPYC, 2 cores)"


def test_the_committed_keras_runs_fail_the_margin_and_the_rerun_passes_it(runs):
    margin = get_recipe("addition_rnn").evidence.outcome_margin_points
    lightning = _accuracies(runs["lightning"])
    committed = welch_interval(lightning, _accuracies(runs["keras"]))
    rerun = welch_interval(lightning, _accuracies(runs["keras_rerun"]))
    print(f"committed Keras runs: [{committed.low:+.2f}, {committed.high:+.2f}]; rerun: [{rerun.low:+.2f}, {rerun.high:+.2f}]")
    assert committed.low > margin  # measured [+1.33, +3.54]: fails outright
    assert rerun.farthest <= margin  # measured [-0.25, +0.63]


def test_the_difference_is_the_keras_runs_last_epoch(runs):
    def falls(results):
        return sum(result["history"][-1]["val_accuracy"] < LAST_EPOCH_FALL for result in results.values())

    # Measured: 5 of the 8 committed Keras runs end below 98%; 0 of the rerun's 8; 0 of Lightning's 8.
    assert (falls(runs["keras"]), falls(runs["keras_rerun"]), falls(runs["lightning"])) == (5, 0, 0)
