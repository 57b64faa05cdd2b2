"""Keras layer configs (``layer.get_config()``, as a ``.keras`` file stores them) <-> layer specs.

Reading is strict: every key of a layer's config is either mapped to a spec field, or known to
be irrelevant to what the layer computes (its name), or at its Keras default; anything else
(a regularizer, a constraint, channels-first data, a mixed-precision policy, masking, ...)
stops with ``UnsupportedLayer``, one line naming the layer, its position and name, and the
option. A model is never ported into something that computes differently.

No Keras import here: configs are plain dicts. ``keras_config`` goes the other way, for the
tests and the conformance table, which build live Keras layers from specs.
"""

from __future__ import annotations

import re
from dataclasses import fields

from lightning_port.spec import layers as spec
from lightning_port.spec.layers import ACTIVATIONS, INITIALIZERS, LAYER_CLASSES, Layer


class UnsupportedLayer(ValueError):
    """A layer (or one of its options) the port cannot reproduce exactly; the message is one line."""


# Keys every layer config has, which change nothing the layer computes (when at these values).
_BASE_KEYS = {"name", "trainable", "dtype"}
# Keys that must hold exactly this value (Keras's default) for the port to be exact.
_REQUIRED_VALUES = {
    "data_format": ("channels_last", None),
    "groups": (1,),
    "kernel_regularizer": (None,), "bias_regularizer": (None,), "activity_regularizer": (None,),
    "kernel_constraint": (None,), "bias_constraint": (None,),
    "beta_regularizer": (None,), "gamma_regularizer": (None,), "beta_constraint": (None,), "gamma_constraint": (None,),
    "embeddings_regularizer": (None,), "embeddings_constraint": (None,),
    "lora_rank": (None,), "lora_alpha": (None,), "quantization_config": (None,),
    "noise_shape": (None,),
    "mask_zero": (False,),
    "renorm": (False,), "renorm_clipping": (None,), "synchronized": (False,),
    "rms_scaling": (False,),
    "input_length": (None,),
}
# Keys that may take any value because they only choose a random draw the port cannot
# reproduce anyway (dropout masks come from the run's own seeded streams).
_IGNORED_KEYS = {"seed", "renorm_momentum", "input_axes", "output_axes"}
# Initializers that must stay at their defaults (the layer's own Keras defaults).
_FIXED_INITIALIZERS = {
    "beta_initializer": "zeros", "gamma_initializer": "ones",
    "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
}
_TUPLE_FIELDS = {"kernel_size", "strides", "dilation_rate", "pool_size", "target_shape"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _initializer_name(value, where: str) -> str:
    """An initializer config as the name a recipe writes; defaults only (a seed is ignored)."""
    if isinstance(value, str):
        name = value
    elif isinstance(value, dict) and "class_name" in value:
        name = _snake(value["class_name"])
        options = {key: val for key, val in (value.get("config") or {}).items() if key not in _IGNORED_KEYS}
        defaults = {"random_uniform": {"minval": -0.05, "maxval": 0.05}, "random_normal": {"mean": 0.0, "stddev": 0.05}, "truncated_normal": {"mean": 0.0, "stddev": 0.05}, "orthogonal": {"gain": 1.0}}
        if options and options != defaults.get(name):
            raise UnsupportedLayer(f"{where}: initializer {value['class_name']} with {options} is not supported (only Keras's default arguments)")
    else:
        raise UnsupportedLayer(f"{where}: initializer {value!r} is not supported")
    if name == "random_uniform":
        name = "uniform"  # the same initializer under Embedding's default name
    if name not in INITIALIZERS:
        raise UnsupportedLayer(f"{where}: initializer {name!r} is not supported; supported: {', '.join(INITIALIZERS)}")
    return name


# Names Keras saves under another name (keras.activations.get("swish") is silu).
_ACTIVATION_ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}


def _activation_name(value, where: str) -> str | None:
    if isinstance(value, dict):
        value = value.get("config", {}).get("name") if value.get("class_name") == "function" else value.get("class_name")
    if value in (None, "linear"):
        return None
    value = _ACTIVATION_ALIASES.get(value, value)
    if value not in ACTIVATIONS:
        raise UnsupportedLayer(f"{where}: activation {value!r} is not supported; supported: {', '.join(ACTIVATIONS)}")
    return value


def _normalized(name: str, value, layer_class: type[Layer]):
    if name in _TUPLE_FIELDS or (name == "padding" and layer_class is spec.ZeroPadding2D):
        if isinstance(value, (list, tuple)):
            value = tuple(tuple(item) if isinstance(item, (list, tuple)) else item for item in value)
        if layer_class in (spec.Conv1D, spec.MaxPooling1D, spec.AveragePooling1D) and isinstance(value, tuple) and len(value) == 1:
            value = value[0]
        if layer_class is spec.ZeroPadding2D and isinstance(value, int):
            value = ((value, value), (value, value))
        if layer_class is spec.ZeroPadding2D and isinstance(value, tuple) and all(isinstance(item, int) for item in value):
            value = ((value[0], value[0]), (value[1], value[1]))
    return value


def layer_from_keras(class_name: str, config: dict, index: int) -> Layer:
    """The spec of one Keras layer from its config, or UnsupportedLayer naming what stops it."""
    where = f"layer {index} ({class_name} {config.get('name', '')!r})"
    layer_class = LAYER_CLASSES.get(class_name)
    if layer_class is None:
        raise UnsupportedLayer(f"{where}: layer class {class_name} is not supported; supported: {', '.join(LAYER_CLASSES)}")
    dtype = config.get("dtype")
    policy = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if policy not in (None, "float32"):
        raise UnsupportedLayer(f"{where}: dtype policy {policy!r} is not supported (float32 only)")
    field_names = {field.name for field in fields(layer_class)}
    values = {}
    for key, value in config.items():
        if key in field_names:
            if key.endswith("_initializer"):
                value = _initializer_name(value, where)
            elif key == "activation":
                value = _activation_name(value, where)
            values[key] = _normalized(key, value, layer_class)
        elif key in _FIXED_INITIALIZERS:
            if _initializer_name(value, where) != _FIXED_INITIALIZERS[key]:
                raise UnsupportedLayer(f"{where}: {key} other than {_FIXED_INITIALIZERS[key]!r} is not supported")
        elif key in _REQUIRED_VALUES:
            if value not in _REQUIRED_VALUES[key]:
                raise UnsupportedLayer(f"{where}: option {key}={value!r} is not supported (only {_REQUIRED_VALUES[key][0]!r})")
        elif key == "trainable":
            if value is False and layer_class is not spec.BatchNormalization:
                raise UnsupportedLayer(f"{where}: option trainable=False is not supported for {class_name} (frozen BatchNormalization is)")
        elif key == "axis" and layer_class in (spec.BatchNormalization, spec.LayerNormalization):
            if value not in (-1, [-1]):
                raise UnsupportedLayer(f"{where}: option axis={value!r} is not supported (the last axis, -1, only)")
        elif key not in _BASE_KEYS and key not in _IGNORED_KEYS:
            raise UnsupportedLayer(f"{where}: option {key}={value!r} is not supported")
    if layer_class is spec.BatchNormalization:
        values["trainable"] = bool(config.get("trainable", True))
    if "strides" in values and "pool_size" in values and values["strides"] == values["pool_size"]:
        values["strides"] = None  # Keras stores the default (the pool size) explicitly
    if values.get("padding") == "causal" and layer_class is not spec.Conv1D:
        raise UnsupportedLayer(f"{where}: padding 'causal' is for Conv1D only")
    try:
        return layer_class(**values)
    except TypeError as error:
        raise UnsupportedLayer(f"{where}: {error}") from None


def keras_config(layer: Layer) -> tuple[str, dict]:
    """(Keras class name, constructor arguments) that build the live Keras layer of a spec."""
    arguments = {}
    for field in fields(layer):
        value = getattr(layer, field.name)
        if field.name == "trainable":
            continue
        if field.name == "strides" and value is None:
            continue
        arguments[field.name] = "linear" if field.name == "activation" and value is None else value
    return layer.keras_class, arguments


def build_keras_layer(layer: Layer):
    """The live Keras layer for a spec (imports Keras: select the backend first)."""
    import keras

    class_name, arguments = keras_config(layer)
    built = getattr(keras.layers, class_name)(**arguments)
    if getattr(layer, "trainable", True) is False:
        built.trainable = False
    return built
