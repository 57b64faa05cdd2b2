"""Full tutorial-length runs of the tutorials' own Keras code, held to the same margins.

One run per tutorial, so its order is replayed (``replay_epoch_order``: the first epoch's order
in every epoch, as a Keras program that calls ``keras.utils.set_random_seed`` trains): the
verdict is then the same on every run of the suite. TensorFlow draws a reshuffled order
unseeded (keras_reference/run.py), which would make a one-run check against a fixed target
pass or fail by chance; the outcome rows (tests/parity/test_training_outcomes.py), judged over
several seeds, use the reshuffled order.
"""

import pytest

from lightning_port.registry import get_recipe, recipes_in_order
from tests.helpers import target_schedule

pytestmark = pytest.mark.keras


@pytest.mark.parametrize(
    "name",
    [pytest.param(r.name, marks=() if r.evidence.full_run_in_default_suite else pytest.mark.slow) for r in recipes_in_order()],
)
def test_keras_reference_reproduces_the_tutorial(name, full_runs, keras_tensorflow):
    recipe = get_recipe(name)
    result = full_runs.get("keras", name, recipe.default_seed, **target_schedule(recipe), replay_epoch_order=True)
    if recipe.evidence.outcome_metric == "loss":
        # An autoencoder: its figure is its test loss.
        print(f"{name}: {recipe.epochs} epochs, test loss {result['test']['loss']:.5f}; target <= {recipe.loss_target}")
        assert result["test"]["loss"] <= recipe.loss_target
        return
    accuracy = result["test"]["accuracy"]
    print(f"keras {name}: {recipe.epochs} epochs, {result['test']['split']} accuracy {accuracy:.4f} (loss {result['test']['loss']:.4f}); target >= {recipe.accuracy_target}")
    assert accuracy >= recipe.accuracy_target
    if recipe.reported.predictions:
        assert tuple(result["reloaded_predictions"]["predicted"]) == recipe.reported.predictions
