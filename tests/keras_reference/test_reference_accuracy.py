"""Full tutorial-length runs of the tutorials' own Keras code, held to the same margins."""

import pytest

from lightning_port.registry import get_recipe

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("name", ["mnist_mlp", "mnist_mlp_rmsprop", "mnist_mlp_512", "pima_mlp"])
def test_keras_reference_reproduces_the_tutorial(name, tmp_path, data_dir):
    from keras_reference.backend import select_backend

    select_backend("tensorflow")
    from keras_reference.run import KerasRunOptions, run_reference

    recipe = get_recipe(name)
    result = run_reference(KerasRunOptions(model=name, output_dir=str(tmp_path), data_dir=str(data_dir), verbose=0))
    accuracy = result["test"]["accuracy"]
    print(f"keras {name}: {recipe.epochs} epochs, {result['test']['split']} accuracy {accuracy:.4f} (loss {result['test']['loss']:.4f}); target >= {recipe.accuracy_target}")
    assert accuracy >= recipe.accuracy_target
    if recipe.reported.predictions:
        assert tuple(result["reloaded_predictions"]["predicted"]) == recipe.reported.predictions
