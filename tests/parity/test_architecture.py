"""Architecture and recipe against the live Keras reference model, layer for layer."""

import inspect

import pytest

from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.keras_compat.optimizers import optimizer_from_keras_config
from lightning_port.models import build_backbone
from lightning_port.evidence.parity.architecture import compare_rows, keras_rows, lightning_rows
from lightning_port.registry import get_recipe, model_names

pytestmark = pytest.mark.parity


@pytest.mark.parametrize("name", model_names())
def test_layers_match_the_live_keras_model(name, keras_tensorflow, parity):
    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    keras_model = tutorial_module(get_recipe(name)).build_model()
    problems = compare_rows(keras_rows(keras_model), lightning_rows(build_backbone(recipe)))
    entry = parity.record("architecture: differing layer fields", name, len(problems), 0, detail="; ".join(problems[:3]))
    assert entry.passed, "\n".join(problems)
    total = sum(p.numel() for p in build_backbone(recipe).parameters())
    entry = parity.record("architecture: parameter count difference", name, abs(total - keras_model.count_params()), 0, detail=f"{total:,} parameters")
    assert entry.passed


@pytest.mark.parametrize("name", model_names())
def test_optimizer_loss_and_fit_arguments_match(name, keras_tensorflow):
    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    tutorial = tutorial_module(get_recipe(name))
    keras_model = tutorial.build_model()
    config = keras_model.optimizer.get_config()
    assert type(keras_model.optimizer).__name__.lower() == recipe.optimizer.keras_name
    # Every hyperparameter, and nothing else switched on (weight decay, clipping, EMA, ...):
    # the live optimizer read back as a spec is the recipe's.
    assert optimizer_from_keras_config(type(keras_model.optimizer).__name__, config) == recipe.optimizer
    from lightning_port.porting.reader import losses_from_keras_config, metrics_from_keras_config

    compiled = keras_model.get_compile_config()
    assert losses_from_keras_config(compiled["loss"]) == recipe.loss
    assert metrics_from_keras_config(compiled["metrics"]) == (recipe.metrics, [])
    fit_defaults = inspect.signature(tutorial.train).parameters
    assert fit_defaults["epochs"].default == recipe.epochs
    assert fit_defaults["batch_size"].default == recipe.batch_size
    assert getattr(tutorial, "SEED", None) == recipe.seed


def test_mirrored_keras_defaults_are_still_keras_defaults(keras_tensorflow):
    keras = keras_tensorflow
    adam = keras.optimizers.Adam().get_config()
    assert (adam["learning_rate"], adam["beta_1"], adam["beta_2"], adam["epsilon"]) == pytest.approx(
        (
            keras_defaults.ADAM_LEARNING_RATE_KERAS_DEFAULT,
            keras_defaults.ADAM_BETA_1_KERAS_DEFAULT,
            keras_defaults.ADAM_BETA_2_KERAS_DEFAULT,
            keras_defaults.ADAM_EPSILON_KERAS_DEFAULT,
        )
    )
    rmsprop = keras.optimizers.get("rmsprop").get_config()
    assert (rmsprop["learning_rate"], rmsprop["rho"], rmsprop["momentum"], rmsprop["epsilon"]) == pytest.approx(
        (
            keras_defaults.RMSPROP_LEARNING_RATE_KERAS_DEFAULT,
            keras_defaults.RMSPROP_RHO_KERAS_DEFAULT,
            keras_defaults.RMSPROP_MOMENTUM_KERAS_DEFAULT,
            keras_defaults.RMSPROP_EPSILON_KERAS_DEFAULT,
        )
    )
    assert keras.backend.epsilon() == keras_defaults.BACKEND_EPSILON_KERAS_DEFAULT
    dense = keras.layers.Dense(1).get_config()
    assert dense["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert dense["bias_initializer"]["class_name"] == "Zeros"
    conv = keras.layers.Conv2D(1, 3).get_config()
    assert conv["kernel_initializer"]["class_name"] == "GlorotUniform" and conv["padding"] == "valid"
    assert keras.metrics.BinaryAccuracy().get_config()["threshold"] == keras_defaults.BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT
    from keras_reference.cifar_cnn import ImageDataGenerator

    generator = ImageDataGenerator()
    assert generator.fill_mode == keras_defaults.AUGMENTATION_FILL_MODE_KERAS_DEFAULT
    assert generator.interpolation_order == keras_defaults.AUGMENTATION_INTERPOLATION_ORDER_KERAS_DEFAULT
    evaluate = inspect.signature(keras.Model.evaluate).parameters["batch_size"].default
    assert evaluate is None  # None means 32 (documented); the port evaluates in batches of 32
    assert keras_defaults.EVALUATE_BATCH_SIZE_KERAS_DEFAULT == 32
    assert inspect.signature(keras.Model.fit).parameters["shuffle"].default is keras_defaults.FIT_SHUFFLE_KERAS_DEFAULT
    compile_defaults = inspect.signature(keras.Model.compile).parameters
    assert compile_defaults["steps_per_execution"].default == keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT
    assert compile_defaults["jit_compile"].default == keras_defaults.JIT_COMPILE_KERAS_DEFAULT
