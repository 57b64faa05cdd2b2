"""The registry finds every recipe module by itself, and a run looks its recipe up once."""

import sys

import pytest

from lightning_port import registry
from lightning_port.registry import DEFAULT_MODEL, UnknownModelError, get_recipe, model_names, recipes_in_order


def test_every_recipe_module_is_registered_under_its_own_name():
    import pkgutil

    from lightning_port import recipes

    modules = sorted(info.name for info in pkgutil.iter_modules(recipes.__path__))
    assert model_names() == modules
    assert DEFAULT_MODEL in model_names()
    assert [recipe.name for recipe in recipes_in_order()] == model_names()


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownModelError) as error:
        get_recipe("mnist")
    message = str(error.value)
    assert "unknown model 'mnist'" in message
    for name in model_names():
        assert name in message


@pytest.mark.parametrize("name", model_names())
def test_recipe_summary_matches_its_stated_parameter_count(name):
    """The stated count is the tutorial's; the Keras model is held to it in test_reference_models."""
    recipe = get_recipe(name)
    assert sum(row.parameters for row in recipe.summary()) == recipe.parameter_count


@pytest.mark.parametrize("name", model_names())
def test_every_recipe_names_an_article_a_reader_can_follow(name):
    article = get_recipe(name).article
    assert article.title and article.author
    assert "issue #" not in article.citation()
    assert article.url.startswith("https://") or "(Manning)" in article.author


def test_a_training_run_looks_its_recipe_up_once(tmp_path, data_dir):
    """scripts/train.py end to end, in process: the entry point resolves the recipe, and
    nothing below it (data module, system, trainer, prediction) looks it up again."""
    from lightning_port.cli.train import main

    calls = []

    def profile(frame, event, argument):
        if event == "call" and frame.f_code is registry.get_recipe.__code__:
            calls.append(frame.f_locals.get("name"))

    sys.setprofile(profile)
    try:
        code = main([
            "--model", "mnist_mlp_rmsprop", "--epochs", "1", "--max-train-samples", "500", "--accelerator", "cpu",
            "--data-dir", str(data_dir), "--output-dir", str(tmp_path / "run"), "--no-progress-bar",
        ])
    finally:
        sys.setprofile(None)
    assert code == 0
    assert calls == ["mnist_mlp_rmsprop"]
