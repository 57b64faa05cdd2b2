"""Full tutorial-length runs of the tutorials' own Keras code, held to the same margins."""

import pytest

from lightning_port.registry import get_recipe

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("name", ["mnist_mlp", "mnist_mlp_rmsprop", "mnist_mlp_512", "pima_mlp"])
def test_keras_reference_reproduces_the_tutorial(name, full_runs, keras_tensorflow):
    recipe = get_recipe(name)
    result = full_runs.get("keras", name, recipe.default_seed)
    accuracy = result["test"]["accuracy"]
    print(f"keras {name}: {recipe.epochs} epochs, {result['test']['split']} accuracy {accuracy:.4f} (loss {result['test']['loss']:.4f}); target >= {recipe.accuracy_target}")
    assert accuracy >= recipe.accuracy_target
    if recipe.reported.predictions:
        assert tuple(result["reloaded_predictions"]["predicted"]) == recipe.reported.predictions
