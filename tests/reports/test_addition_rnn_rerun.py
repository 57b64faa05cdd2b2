"""addition_rnn's outcome row, a known gap: its verdict depends on which Keras runs it reads.

The committed outcome runs (docs/examples/addition_rnn: Lightning at c5017b5..1412f69, Keras at
543d716 and 1412f69) fail the +-1.0 point margin; the same runner, code and Keras and NumPy versions
trained 8 Keras runs again at a7d9bf3 on a machine of the same kind (its `machine` string),
though twice as slow (docs/examples/rerun/addition_rnn), and against the same Lightning
runs the row passes. The 8 Lightning runs trained again at 40c66f3/fa1d06d, in the same workspace a
session later (the same machine string; that the workspace's files persisted is the only sign it
was the same machine), are the committed ones bit for bit: the Lightning half of the row is settled.
The difference is the Keras runs' last epoch (README, Tests: "addition_rnn"), not found why.
Both verdicts are asserted, so that a change in either set of runs shows up here. Re-measured by
``python -m keras_reference.run --model addition_rnn --seed N`` for N in 0..7, then the outcome
test (tests/parity/test_training_outcomes.py) with LIGHTNING_PORT_FULL_RUNS holding those runs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lightning_port.evidence.statistics import welch_interval
from lightning_port.registry import get_recipe
from tests.conftest import REPOSITORY_ROOT
from tests.helpers import accuracies_by_seed, kept_results

COMMITTED = REPOSITORY_ROOT / "docs" / "examples" / "addition_rnn" / "collected.json"
RERUN = REPOSITORY_ROOT / "docs" / "examples" / "rerun" / "addition_rnn"
LAST_EPOCH_FALL = 0.98  # held-out per-character accuracy below this at the last epoch counts as a fall


@pytest.fixture(scope="module")
def runs() -> dict:
    collected = json.loads(COMMITTED.read_text())
    by_framework: dict[str, dict[int, dict]] = {"lightning": {}, "keras": {}}
    for run in collected["runs"]:
        by_framework[run["result"]["framework"]][run["result"]["seed"]] = run["result"]
    return {
        "lightning": by_framework["lightning"], "keras": by_framework["keras"],
        "keras_rerun": kept_results(RERUN / "keras"), "lightning_rerun": kept_results(RERUN / "lightning"),
    }


def _epochs(result: dict) -> list[dict]:
    return [{name: value for name, value in row.items() if name != "seconds"} for row in result["history"]]


def test_the_rerun_is_the_outcome_rows_schedule_and_seeds(runs):
    recipe = get_recipe("addition_rnn")
    seeds = list(range(recipe.default_seed, recipe.default_seed + recipe.evidence.outcome_seeds))
    for name in ("lightning", "keras", "keras_rerun", "lightning_rerun"):
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
    lightning = accuracies_by_seed(runs["lightning"])
    committed = welch_interval(lightning, accuracies_by_seed(runs["keras"]))
    rerun = welch_interval(lightning, accuracies_by_seed(runs["keras_rerun"]))
    print(f"committed Keras runs: [{committed.low:+.2f}, {committed.high:+.2f}]; rerun: [{rerun.low:+.2f}, {rerun.high:+.2f}]")
    assert committed.low > margin  # measured [+1.33, +3.54]: fails outright
    assert rerun.farthest <= margin  # measured [-0.25, +0.63]


def test_the_difference_is_the_keras_runs_last_epoch(runs):
    def falls(results):
        return sum(result["history"][-1]["val_accuracy"] < LAST_EPOCH_FALL for result in results.values())

    # Measured: 5 of the 8 committed Keras runs end below 98%; 0 of the rerun's 8; 0 of Lightning's 8.
    assert (falls(runs["keras"]), falls(runs["keras_rerun"]), falls(runs["lightning"])) == (5, 0, 0)


def test_the_lightning_runs_trained_again_are_the_committed_ones_bit_for_bit(runs):
    """The Lightning half of the row reproduces exactly in the rerun's workspace: every epoch's
    figures and the test figures, at 40c66f3 (seed 0; its tree carried only test edits, committed
    as fa1d06d) and fa1d06d (seeds 1-7; "-dirty" from seed 4 on: the rename of this folder and
    this file), against runs made at c5017b5..1412f69."""
    committed = runs["lightning"]
    assert sorted(runs["lightning_rerun"]) == sorted(committed) == list(range(8))
    for seed, result in runs["lightning_rerun"].items():
        assert result["framework"] == "lightning" and result["machine"] == committed[seed]["machine"]
        assert result["commit"].split("-")[0] in ("40c66f392789", "fa1d06de619e"), result["commit"]
        for package in ("torch", "lightning", "numpy"):
            assert result["versions"][package] == committed[seed]["versions"][package], package
        assert result["test"] == committed[seed]["test"], seed
        assert _epochs(result) == _epochs(committed[seed]), seed


def test_keras_in_one_order_repeats_itself_here_but_parts_from_an_earlier_sessions_run():
    """With TensorFlow's global seed kept (``--replay-epoch-order``: the same initial weights,
    dropout masks and batch order), seed 2 on the rerun's machine repeats itself bit for bit
    (two 4-epoch runs and the 29-epoch run's first 4 epochs). The same seed trained so by
    make parity at 02cb35c in an earlier session, with the same machine string (extracted from
    2dfc64b's docs/examples/addition_rnn/collected.json), agrees in its training loss through
    epoch 3 but differs in its first validation loss by two float32 ulps, and from epoch 4 on
    the two runs part. So the Keras side's computation is not pinned down by the machine
    string, the recorded versions and the code, as the Lightning side's is (above). What
    differed is not separated: the CPU, a TensorFlow build the earlier result did not record,
    the process (pytest under make parity against the command line), or the runner's code at
    02cb35c (its later changes touch seeding options and result fields). Whether the committed
    runs of 543d716 and 1412f69 computed like the 02cb35c one is not known either."""
    folder = RERUN / "keras-replayed"
    here, first, second, earlier = (json.loads((folder / name / "result.json").read_text()) for name in ("seed2", "seed2-4-epochs-a", "seed2-4-epochs-b", "seed2-at-02cb35c"))
    assert {result["seed"] for result in (here, first, second, earlier)} == {2}
    assert here["epoch_order"] == first["epoch_order"] == second["epoch_order"] == "replayed"
    assert earlier["commit"] == "02cb35cc2c17" and "epoch_order" not in earlier  # before 543d716: always the replayed order
    assert earlier["machine"] == here["machine"] and earlier["versions"]["keras"] == here["versions"]["keras"]
    assert _epochs(first) == _epochs(second) == _epochs(here)[:4]

    then, now = _epochs(earlier), _epochs(here)
    assert [row["loss"] for row in then[:3]] == [row["loss"] for row in now[:3]]
    assert then[0]["val_accuracy"] == now[0]["val_accuracy"]
    # measured: 1.57229316 then, 1.57229340 here: two float32 ulps apart (adjacent float32
    # values of one sign differ by one in their bit patterns read as integers)
    bits = [int(np.array(value, dtype=np.float32).view(np.int32)) for value in (then[0]["val_loss"], now[0]["val_loss"])]
    assert abs(bits[1] - bits[0]) == 2
    assert then[3]["loss"] != now[3]["loss"]
    # measured: epoch 6 held-out accuracy 80.48% then, 80.21% here; epoch 15 98.12% and 92.47%
    assert abs(then[5]["val_accuracy"] - now[5]["val_accuracy"]) > 0.001
