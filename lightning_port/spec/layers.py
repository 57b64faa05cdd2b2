"""Layer specifications: Keras layers as plain data, the vocabulary recipes are written in.

A recipe lists its layers with these classes, named and parametrised as the Keras layers
they stand for, so a recipe reads like the tutorial's ``Sequential([...])``. The backbone
builder turns them into torch modules; the architecture parity test holds them against the
live Keras model. Shapes here are in Keras's channels-last convention (what ``model.summary()``
prints); the torch backbone runs channels-first internally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ACTIVATIONS = ("relu", "softmax", "sigmoid")


@dataclass(frozen=True)
class Dense:
    units: int
    activation: str | None = None  # Keras Dense default: no activation ("linear")


@dataclass(frozen=True)
class Activation:
    activation: str


@dataclass(frozen=True)
class Conv2D:
    filters: int
    kernel_size: tuple[int, int] = (3, 3)
    padding: str = "valid"  # Keras Conv2D default; the CIFAR recipe asks for "same"
    activation: str | None = None


@dataclass(frozen=True)
class MaxPooling2D:
    pool_size: tuple[int, int] = (2, 2)  # Keras default; strides default to pool_size


@dataclass(frozen=True)
class Dropout:
    rate: float


@dataclass(frozen=True)
class Flatten:
    pass


LayerSpec = Dense | Activation | Conv2D | MaxPooling2D | Dropout | Flatten


@dataclass(frozen=True)
class LayerSummary:
    """One row of a Keras-style ``model.summary()``."""

    kind: str
    output_shape: tuple[int, ...]
    parameters: int
    units: int | None = None
    activation: str | None = None
    kernel_size: tuple[int, int] | None = None
    padding: str | None = None
    rate: float | None = None


def summarize(layers: tuple[LayerSpec, ...], input_shape: tuple[int, ...]) -> list[LayerSummary]:
    """Per-layer output shape (channels-last, batch dimension left out) and parameter count."""
    rows: list[LayerSummary] = []
    shape = tuple(input_shape)
    for layer in layers:
        kind = type(layer).__name__
        if isinstance(layer, Dense):
            if len(shape) != 1:
                raise ValueError(f"Dense expects a flat input, got shape {shape}; add Flatten() first")
            parameters = shape[0] * layer.units + layer.units
            shape = (layer.units,)
            rows.append(LayerSummary(kind, shape, parameters, units=layer.units, activation=layer.activation))
        elif isinstance(layer, Conv2D):
            height, width, channels = shape
            kernel_height, kernel_width = layer.kernel_size
            if layer.padding == "valid":
                height, width = height - kernel_height + 1, width - kernel_width + 1
            elif layer.padding != "same":
                raise ValueError(f"Conv2D padding must be 'same' or 'valid', got {layer.padding!r}")
            parameters = kernel_height * kernel_width * channels * layer.filters + layer.filters
            shape = (height, width, layer.filters)
            rows.append(
                LayerSummary(
                    kind,
                    shape,
                    parameters,
                    units=layer.filters,
                    activation=layer.activation,
                    kernel_size=layer.kernel_size,
                    padding=layer.padding,
                )
            )
        elif isinstance(layer, MaxPooling2D):
            height, width, channels = shape
            pool_height, pool_width = layer.pool_size
            # Keras pools with padding="valid": a trailing odd row/column is dropped.
            shape = (height // pool_height, width // pool_width, channels)
            rows.append(LayerSummary(kind, shape, 0, kernel_size=layer.pool_size))
        elif isinstance(layer, Flatten):
            shape = (math.prod(shape),)
            rows.append(LayerSummary(kind, shape, 0))
        elif isinstance(layer, Dropout):
            rows.append(LayerSummary(kind, shape, 0, rate=layer.rate))
        elif isinstance(layer, Activation):
            rows.append(LayerSummary(kind, shape, 0, activation=layer.activation))
        else:
            raise TypeError(f"unknown layer spec {layer!r}")
    return rows


def output_activation(layers: tuple[LayerSpec, ...]) -> str:
    """The activation that turns the network's logits into probabilities."""
    last = layers[-1]
    activation = last.activation if isinstance(last, (Dense, Activation)) else None
    if activation not in ("softmax", "sigmoid"):
        raise ValueError(f"the last layer must end in softmax or sigmoid, got {last!r}")
    return activation
