"""The layer specs mirror Keras's constructors: every default a spec declares is the live Keras
default (read back from the installed package, so a Keras release that changes one fails here),
and every spec survives spec -> live Keras layer -> get_config() -> spec unchanged."""

from __future__ import annotations

import dataclasses

import pytest

from lightning_port.keras_compat.layer_configs import LAYER_CLASSES, build_keras_layer, layer_from_keras

# The arguments a spec (like Keras) cannot do without, with ordinary values.
REQUIRED_ARGUMENTS = {
    "Activation": {"activation": "tanh"},
    "AveragePooling1D": {"pool_size": 3},
    "AveragePooling2D": {"pool_size": (3, 3)},
    "Conv1D": {"filters": 2, "kernel_size": 3},
    "Conv2D": {"filters": 2, "kernel_size": (3, 3)},
    "Dense": {"units": 4},
    "Dropout": {"rate": 0.25},
    "Embedding": {"input_dim": 10, "output_dim": 3},
    "Rescaling": {"scale": 0.5},
    "Reshape": {"target_shape": (2, 3)},
    "SpatialDropout2D": {"rate": 0.25},
}


@pytest.mark.parametrize("class_name", sorted(LAYER_CLASSES))
def test_a_spec_with_only_required_arguments_is_the_keras_default_layer(class_name, keras_tensorflow):
    spec_class = LAYER_CLASSES[class_name]
    required = REQUIRED_ARGUMENTS.get(class_name, {})
    spec = spec_class(**required)
    live = getattr(keras_tensorflow.layers, spec_class.keras_class)(**required)
    assert layer_from_keras(class_name, live.get_config(), 0) == spec
    assert layer_from_keras(class_name, build_keras_layer(spec).get_config(), 0) == spec


def test_every_required_argument_is_listed():
    for class_name, spec_class in LAYER_CLASSES.items():
        required = {field.name for field in dataclasses.fields(spec_class) if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING}
        assert required == set(REQUIRED_ARGUMENTS.get(class_name, {})), class_name
