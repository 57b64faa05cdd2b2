import pytest

from lightning_port.registry import DEFAULT_MODEL, UnknownModelError, get_recipe, model_names

EXPECTED_PARAMETERS = {  # from the spec (issue #2), independent of the recipe files
    "mnist_mlp": 55_050,
    "mnist_mlp_rmsprop": 25_450,
    "mnist_mlp_512": 407_050,
    "pima_mlp": 121,
    "cifar_cnn": 1_341_226,
}


def test_registry_holds_the_five_tutorials():
    assert sorted(model_names()) == sorted(EXPECTED_PARAMETERS)
    assert DEFAULT_MODEL in model_names()


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownModelError) as error:
        get_recipe("mnist")
    message = str(error.value)
    assert "unknown model 'mnist'" in message
    for name in model_names():
        assert name in message


@pytest.mark.parametrize("name", model_names())
def test_recipe_summary_matches_the_spec_parameter_count(name):
    recipe = get_recipe(name)
    total = sum(row.parameters for row in recipe.summary())
    assert total == recipe.parameter_count == EXPECTED_PARAMETERS[name]
