"""Reading a Keras layer config (``layer.get_config()``, as a ``.keras`` file stores it) into a
layer kind's fields, strictly.

Every key of a config is either a field of the kind, or known to change nothing the layer
computes (its name, a seed the port cannot reproduce anyway), or held at the one value the port
reproduces (Keras's default: no regularizer, channels-last data, float32); anything else stops
with ``UnsupportedLayer``, one line naming the node, its class and the option. A model is never
ported into something that computes differently. No Keras import: configs are plain dicts.
"""

from __future__ import annotations

import re
from dataclasses import fields

from lightning_port.layers.base import ACTIVATIONS, INITIALIZERS


class UnsupportedLayer(ValueError):
    """A layer (or one of its options) the port cannot reproduce exactly; the message is one line."""


# Keys every layer config has, which change nothing the layer computes.
BASE_KEYS = {"name", "trainable", "dtype"}
# Keys that must hold exactly this value (Keras's default) for the port to be exact.
REQUIRED_VALUES = {
    "data_format": ("channels_last", None),
    "groups": (1,),
    "kernel_regularizer": (None,), "bias_regularizer": (None,), "activity_regularizer": (None,),
    "kernel_constraint": (None,), "bias_constraint": (None,),
    "beta_regularizer": (None,), "gamma_regularizer": (None,), "beta_constraint": (None,), "gamma_constraint": (None,),
    "embeddings_regularizer": (None,), "embeddings_constraint": (None,),
    "depthwise_regularizer": (None,), "depthwise_constraint": (None,),
    "pointwise_regularizer": (None,), "pointwise_constraint": (None,),
    "lora_rank": (None,), "lora_alpha": (None,), "quantization_config": (None,),
    "noise_shape": (None,),
    "recurrent_regularizer": (None,), "recurrent_constraint": (None,),
    "renorm": (False,), "renorm_clipping": (None,), "synchronized": (False,),
    "rms_scaling": (False,),
    "input_length": (None,),
}
# Keys that may take any value because they only choose a random draw the port cannot
# reproduce anyway (dropout masks come from the run's own seeded streams).
IGNORED_KEYS = {"seed", "renorm_momentum", "input_axes", "output_axes"}
# Initializers that must stay at their defaults (the layer's own Keras defaults).
FIXED_INITIALIZERS = {
    "beta_initializer": "zeros", "gamma_initializer": "ones",
    "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
}
# Names Keras saves under another name (keras.activations.get("swish") is silu).
_ACTIVATION_ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}
_INITIALIZER_DEFAULT_ARGUMENTS = {
    "random_uniform": {"minval": -0.05, "maxval": 0.05},
    "random_normal": {"mean": 0.0, "stddev": 0.05},
    "truncated_normal": {"mean": 0.0, "stddev": 0.05},
    "orthogonal": {"gain": 1.0},
}


def snake_case(name: str) -> str:
    """Keras's class-name-to-prefix rule: ``Conv2DTranspose`` -> ``conv2d_transpose``."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def initializer_name(value, where: str) -> str:
    """An initializer config as the name a recipe writes; defaults only (a seed is ignored)."""
    if isinstance(value, str):
        name = value
    elif isinstance(value, dict) and "class_name" in value:
        name = snake_case(value["class_name"])
        options = {key: item for key, item in (value.get("config") or {}).items() if key not in IGNORED_KEYS}
        if options and options != _INITIALIZER_DEFAULT_ARGUMENTS.get(name):
            raise UnsupportedLayer(f"{where}: initializer {value['class_name']} with {options} is not supported (only Keras's default arguments)")
    else:
        raise UnsupportedLayer(f"{where}: initializer {value!r} is not supported")
    if name == "random_uniform":
        name = "uniform"  # the same initializer under Embedding's default name
    if name not in INITIALIZERS:
        raise UnsupportedLayer(f"{where}: initializer {name!r} is not supported; supported: {', '.join(INITIALIZERS)}")
    return name


def activation_name(value, where: str) -> str | None:
    if isinstance(value, dict):
        value = value.get("config", {}).get("name") if value.get("class_name") == "function" else value.get("class_name")
    if value in (None, "linear"):
        return None
    value = _ACTIVATION_ALIASES.get(value, value)
    if value not in ACTIVATIONS:
        raise UnsupportedLayer(f"{where}: activation {value!r} is not supported; supported: {', '.join(ACTIVATIONS)}")
    return value


def as_tuples(value):
    """Lists (as JSON stores them) as tuples, nested ones too: specs are hashable."""
    if isinstance(value, (list, tuple)):
        return tuple(as_tuples(item) for item in value)
    return value


def dtype_policy(config: dict, where: str) -> None:
    dtype = config.get("dtype")
    policy = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if policy not in (None, "float32"):
        raise UnsupportedLayer(f"{where}: dtype policy {policy!r} is not supported (float32 only)")


def read_fields(kind, config: dict, where: str, handled: dict | None = None) -> dict:
    """The kind's constructor arguments from a Keras config, strictly (module docstring).

    ``handled``: keys the kind reads itself, mapped to the values it accepts (a tuple) or None
    (any value: the kind interprets it)."""
    handled = handled or {}
    dtype_policy(config, where)
    field_names = {spec_field.name for spec_field in fields(kind)}
    values = {}
    for key, value in config.items():
        if key in handled:
            accepted = handled[key]
            if accepted is not None and value not in accepted:
                raise UnsupportedLayer(f"{where}: option {key}={value!r} is not supported (only {accepted[0]!r})")
        elif key == "name":
            values["name"] = value
        elif key in field_names:
            if key.endswith("_initializer"):
                value = initializer_name(value, where)
            elif key == "activation" or key == "recurrent_activation":
                value = activation_name(value, where)
            values[key] = as_tuples(value)
        elif key in FIXED_INITIALIZERS:
            if initializer_name(value, where) != FIXED_INITIALIZERS[key]:
                raise UnsupportedLayer(f"{where}: {key} other than {FIXED_INITIALIZERS[key]!r} is not supported")
        elif key in REQUIRED_VALUES:
            if value not in REQUIRED_VALUES[key]:
                raise UnsupportedLayer(f"{where}: option {key}={value!r} is not supported (only {REQUIRED_VALUES[key][0]!r})")
        elif key == "trainable":
            if value is False and "trainable" not in field_names:
                raise UnsupportedLayer(f"{where}: option trainable=False is not supported for {kind.keras_class} (frozen BatchNormalization is)")
        elif key not in BASE_KEYS and key not in IGNORED_KEYS:
            raise UnsupportedLayer(f"{where}: option {key}={value!r} is not supported")
    if "trainable" in field_names:
        values["trainable"] = bool(config.get("trainable", True))
    return values


def construct(kind, values: dict, where: str):
    try:
        return kind(**values)
    except TypeError as error:
        raise UnsupportedLayer(f"{where}: {error}") from None
