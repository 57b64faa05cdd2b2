"""Shared set-up for parity tests: the same real data in both frameworks' own preprocessing."""

from __future__ import annotations

import contextlib

import numpy as np

from lightning_port.data import load_raw_splits
from lightning_port.registry import get_recipe

# A short Keras fit before comparing, so weights are trained rather than fresh glorot draws:
# the recipe's quick subset (Evidence.quick_samples; all of a small data set).


def tutorial_data(name: str, data_dir, max_train_samples: int | None = None) -> dict:
    """The Keras tutorial module's own prepared arrays (float64 where the tutorial's are)."""
    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    splits = load_raw_splits(recipe, data_dir, max_train_samples=max_train_samples)
    return tutorial_module(recipe).prepare_data(splits)


_WARM_WEIGHTS: dict[tuple[str, int], list[np.ndarray]] = {}


def warmed_up_keras_model(name: str, data_dir, seed: int = 0):
    """The tutorial's compiled Keras model after one epoch on the recipe's quick subset (its
    weights computed once per session; each call returns a fresh model with a fresh optimizer)."""
    import keras

    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    tutorial = tutorial_module(recipe)
    key = (name, seed)
    if key not in _WARM_WEIGHTS:
        keras.utils.set_random_seed(seed)
        model = tutorial.build_model()
        inputs, targets = tutorial_data(name, data_dir, max_train_samples=recipe.evidence.quick_samples)["train"]
        model.fit(np.asarray(inputs, dtype=np.float32), targets, epochs=1, batch_size=recipe.batch_size, verbose=0)
        _WARM_WEIGHTS[key] = [weight.copy() for weight in model.get_weights()]
    keras.utils.set_random_seed(seed)
    model = tutorial.build_model()
    model.set_weights(_WARM_WEIGHTS[key])
    return model


def labels_of(name: str, targets):
    """The Keras tutorial's targets as the port trains on them: class indices from one-hot rows
    for a categorical loss, the 0/1 labels as a vector for a one-unit output, the values
    themselves otherwise (an autoencoder's images)."""
    from lightning_port.evidence.parity.keras_probes import labels_of as port_labels

    recipe = get_recipe(name)
    labels = port_labels(recipe, targets)
    if recipe.targets_are_class_indices or recipe.targets == "inputs":
        return labels
    return np.asarray(labels).reshape(len(labels), -1)[:, 0] if recipe.output_units == 1 else labels




@contextlib.contextmanager
def keras_precision(name: str, keras_model, precision: str):
    """The same Keras model (same weights, fresh optimizer) in ``precision``.

    floatx and the dtype policy stay set for the whole block: Keras builds its compiled
    loss lazily at the first call, and a float32 loss would cast float64 outputs (hiding the
    softmax/sigmoid op and so switching to the clipped-probability formula).
    """
    import keras

    from keras_reference import tutorial_module

    if precision == "float32":
        yield keras_model
        return
    keras.config.set_floatx(precision)
    keras.config.set_dtype_policy(precision)
    try:
        model = tutorial_module(get_recipe(name)).build_model()
        model.set_weights([w.astype(precision) for w in keras_model.get_weights()])
        yield model
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")
