"""The tutorial's full schedule in both frameworks over several seeds: do they end up alike?

Judged by the 90% Welch interval of the mean test-accuracy difference (Lightning minus
Keras), which must lie within the recipe's margin (lightning_port/evidence/statistics.py);
for a model whose outcome is a loss (the autoencoder), the interval of the mean test-loss
difference, relative to Keras's mean test loss. The schedule is the recipe's, or the one its
Evidence declares for the outcome rows (a full-data schedule where the listing trains a
demonstration; a shorter one where the listing's takes hours a run here).
"""

import statistics

import pytest

from lightning_port.evidence.statistics import welch_interval
from lightning_port.registry import get_recipe, recipes_in_order
from tests.helpers import outcome_schedule

pytestmark = pytest.mark.parity


def _accuracies(results):
    return [100 * result["test"]["accuracy"] for result in results]


def _runs(full_runs, framework, recipe, seeds):
    return [full_runs.get(framework, recipe.name, seed, **outcome_schedule(recipe)) for seed in seeds]


def _commits(*samples) -> str:
    """The commits the runs were measured at (a persistent LIGHTNING_PORT_FULL_RUNS folder may
    hold runs of earlier commits: conftest.FullRuns)."""
    return ", ".join(sorted({result.get("commit", "unknown") for results in samples for result in results}))


def _outcome_recipes(metric: str):
    return [recipe.name for recipe in recipes_in_order() if recipe.evidence.outcome_seeds >= 2 and recipe.evidence.outcome_metric == metric]


@pytest.mark.slow
@pytest.mark.parametrize("name", _outcome_recipes("loss"))
def test_the_mean_test_loss_difference_lies_within_the_relative_margin(name, full_runs, keras_tensorflow, parity):
    recipe = get_recipe(name)
    seeds = [recipe.default_seed + offset for offset in range(recipe.evidence.outcome_seeds)]
    lightning_runs, keras_runs = _runs(full_runs, "lightning", recipe, seeds), _runs(full_runs, "keras", recipe, seeds)
    lightning = [result["test"]["loss"] for result in lightning_runs]
    keras = [result["test"]["loss"] for result in keras_runs]
    interval = welch_interval(lightning, keras)
    relative = interval.farthest / statistics.fmean(keras)
    margin = recipe.evidence.outcome_margin_relative
    detail = (
        f"difference {interval.difference:+.5f}, 90% interval [{interval.low:+.5f}, {interval.high:+.5f}] "
        f"({100 * interval.low / statistics.fmean(keras):+.2f}% .. {100 * interval.high / statistics.fmean(keras):+.2f}% of Keras's); "
        f"Lightning {statistics.fmean(lightning):.5f}+-{statistics.stdev(lightning):.5f}, Keras {statistics.fmean(keras):.5f}+-{statistics.stdev(keras):.5f}, "
        f"seeds {seeds[0]}..{seeds[-1]}, schedule {outcome_schedule(recipe) or 'the recipe'}, "
        f"runs measured at {_commits(lightning_runs, keras_runs)}"
    )
    entry = parity.record("outcome: 90% Welch interval of the mean test-loss difference, farthest end (relative to Keras's)", name, relative, margin, detail=detail)
    assert entry.passed, detail


@pytest.mark.slow
@pytest.mark.parametrize("name", _outcome_recipes("accuracy"))
def test_the_mean_accuracy_difference_lies_within_the_margin(name, full_runs, keras_tensorflow, parity):
    recipe = get_recipe(name)
    seeds = [recipe.default_seed + offset for offset in range(recipe.evidence.outcome_seeds)]
    lightning_runs, keras_runs = _runs(full_runs, "lightning", recipe, seeds), _runs(full_runs, "keras", recipe, seeds)
    lightning, keras = _accuracies(lightning_runs), _accuracies(keras_runs)
    interval = welch_interval(lightning, keras)
    margin = recipe.evidence.outcome_margin_points
    detail = (
        f"difference {interval.difference:+.2f} points, 90% interval [{interval.low:+.2f}, {interval.high:+.2f}]; "
        f"Lightning {statistics.fmean(lightning):.2f}+-{statistics.stdev(lightning):.2f}, "
        f"Keras {statistics.fmean(keras):.2f}+-{statistics.stdev(keras):.2f}, seeds {seeds[0]}..{seeds[-1]}, schedule {outcome_schedule(recipe) or 'the recipe'}, "
        f"runs measured at {_commits(lightning_runs, keras_runs)}"
    )
    entry = parity.record("outcome: 90% Welch interval of the mean accuracy difference, farthest end (points)", name, interval.farthest, margin, detail=detail)
    assert entry.passed, detail


def test_welch_interval_on_known_values():
    """Against a hand-computed case: means 2 and 0, sample variances 0.625 and 2.5, n = 5 each."""
    interval = welch_interval([1.0, 2.0, 3.0, 1.5, 2.5], [-2.0, 2.0, 0.0, -1.0, 1.0])
    # se = sqrt(0.625/5 + 2.5/5) = 0.7906; df = 0.625^2 / ((0.125^2 + 0.5^2) / 4) = 5.88;
    # t(0.95, 5.88) = 1.9502 (tables: 2.0150 at 5 and 1.9432 at 6 degrees of freedom)
    assert interval.difference == pytest.approx(2.0)
    assert interval.degrees_of_freedom == pytest.approx(5.882, abs=1e-3)
    assert interval.low == pytest.approx(2.0 - 1.9502 * 0.79057, abs=2e-3)
    assert not interval.within(2.0) and interval.within(3.6)
