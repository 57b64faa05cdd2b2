"""The layer kinds mirror Keras's constructors: every default a kind declares is the live Keras
default (read back from the installed package, so a Keras release that changes one fails here),
and every kind survives spec -> live Keras layer -> get_config() -> spec unchanged."""

from __future__ import annotations

import dataclasses

import pytest

from lightning_port.evidence.parity.keras_models import build_keras_layer
from lightning_port.layers.base import LayerKind
from lightning_port.layers.registry import layer_kinds

# Nested models are layers built from other layers; tests/porting covers them.
SIMPLE_KINDS = sorted(name for name in layer_kinds() if name not in ("Sequential", "Functional"))


def _unnamed(spec):
    """A spec with the layers it wraps unnamed (Keras names each live one afresh)."""
    wrapped = spec.wrapped_layers()
    return spec.with_wrapped_layers(tuple(dataclasses.replace(layer, name=None) for layer in wrapped)) if wrapped else spec


@pytest.mark.parametrize("class_name", SIMPLE_KINDS)
def test_a_spec_with_only_required_arguments_is_the_keras_default_layer(class_name, keras_tensorflow):
    kind = layer_kinds()[class_name]
    required = kind.example_arguments
    spec = kind(**required)
    # A wrapper's required layer is a live layer on the Keras side.
    live_arguments = {key: build_keras_layer(value) if isinstance(value, LayerKind) else value for key, value in required.items()}
    live = getattr(keras_tensorflow.layers, kind.keras_class)(**live_arguments)
    config = {key: value for key, value in live.get_config().items() if key != "name"}
    assert _unnamed(kind.from_keras(config, "test")) == spec
    rebuilt = {key: value for key, value in build_keras_layer(spec).get_config().items() if key != "name"}
    assert _unnamed(kind.from_keras(rebuilt, "test")) == spec


def test_every_required_argument_is_listed():
    for class_name in SIMPLE_KINDS:
        kind = layer_kinds()[class_name]
        required = {field.name for field in dataclasses.fields(kind) if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING}
        assert required | set(kind.needed_arguments) == set(kind.example_arguments), class_name


def test_every_kind_has_conformance_cases():
    missing = [name for name in SIMPLE_KINDS if not layer_kinds()[name].conformance_cases()]
    assert not missing, f"kinds the conformance table would not measure: {missing}"
