"""Keras layers as plain data: the vocabulary recipes are written in.

A recipe lists its layers with these classes, named and parametrised as the Keras layers they
stand for (field names are Keras's ``get_config()`` keys, defaults Keras's defaults), so a
recipe reads like the tutorial's ``Sequential([...])`` and a Keras model file can be read into
one field by field. Each spec knows its output shape and parameter count in Keras's own
convention: channels last, batch dimension left out, what ``model.summary()`` prints. The
torch modules that compute them live in ``lightning_port.models``.

Shapes follow Keras's arithmetic: ``padding="same"`` gives ``ceil(size / stride)`` outputs and
puts any odd padding element at the end; pooling defaults its strides to its pool size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import ClassVar

# Keras's activation functions by name (keras.activations); ``None`` is "linear". Not "glu":
# it halves the last axis, which Keras's Sequential shape inference does not account for (the
# next layer is built for the unhalved width), so a Sequential model cannot use it consistently.
ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
)
# Initializers a recipe may name (with Keras's default arguments); others are refused.
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "zeros", "ones", "uniform", "random_uniform", "random_normal", "truncated_normal", "orthogonal",
)

Shape = tuple[int, ...]


class LayerShapeError(ValueError):
    """A layer that cannot take the shape it is given (as Keras would refuse it)."""


def activated(shape: Shape, activation: str | None) -> Shape:
    """The shape after an activation: "glu" halves the last axis, the others keep it."""
    if activation == "glu":
        if shape[-1] % 2:
            raise LayerShapeError(f"glu needs an even last axis, got {shape[-1]}")
        return (*shape[:-1], shape[-1] // 2)
    return tuple(shape)


def pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Keras/TensorFlow "same" padding of one axis: (before, after), the odd one at the end."""
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def window_output(size: int, kernel: int, stride: int, padding: str, dilation: int = 1) -> int:
    effective = (kernel - 1) * dilation + 1
    if padding in ("same", "causal"):
        return math.ceil(size / stride)
    if size < effective:
        raise LayerShapeError(f"a window of {effective} does not fit an input of {size} with padding 'valid'")
    return (size - effective) // stride + 1


@dataclass(frozen=True)
class Layer:
    """Base: a layer that keeps its input's shape and has no weights."""

    keras_class: ClassVar[str] = ""

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def parameter_count(self, input_shape: Shape) -> int:
        """Every weight, trainable or not, as Keras's count_params() counts them."""
        return 0

    @property
    def activation_name(self) -> str | None:
        return None

    def config(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def _channels(input_shape: Shape, rank: int, layer: str) -> int:
    if len(input_shape) != rank:
        raise LayerShapeError(f"{layer} expects inputs of rank {rank} (without the batch axis), got shape {tuple(input_shape)}")
    return input_shape[-1]


@dataclass(frozen=True)
class Dense(Layer):
    units: int
    activation: str | None = None  # Keras Dense default: no activation ("linear")
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Dense"

    def output_shape(self, input_shape):
        if not input_shape:
            raise LayerShapeError("Dense needs at least one input axis")
        return activated((*input_shape[:-1], self.units), self.activation)  # along the last axis, as in Keras

    def parameter_count(self, input_shape):
        return input_shape[-1] * self.units + (self.units if self.use_bias else 0)

    @property
    def activation_name(self):
        return self.activation


@dataclass(frozen=True)
class Conv2D(Layer):
    filters: int
    kernel_size: tuple[int, int]  # required, as in Keras
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"  # Keras Conv2D default; the CIFAR recipe asks for "same"
    activation: str | None = None
    dilation_rate: tuple[int, int] = (1, 1)
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Conv2D"

    def output_shape(self, input_shape):
        _channels(input_shape, 3, "Conv2D")
        height, width, _ = input_shape
        (kernel_height, kernel_width), (stride_height, stride_width) = pair(self.kernel_size), pair(self.strides)
        (dilation_height, dilation_width) = pair(self.dilation_rate)
        return activated((
            window_output(height, kernel_height, stride_height, self.padding, dilation_height),
            window_output(width, kernel_width, stride_width, self.padding, dilation_width),
            self.filters,
        ), self.activation)

    def parameter_count(self, input_shape):
        kernel_height, kernel_width = pair(self.kernel_size)
        return kernel_height * kernel_width * input_shape[-1] * self.filters + (self.filters if self.use_bias else 0)

    @property
    def activation_name(self):
        return self.activation


@dataclass(frozen=True)
class Conv1D(Layer):
    filters: int
    kernel_size: int  # required, as in Keras
    strides: int = 1
    padding: str = "valid"  # "valid", "same" or "causal"
    activation: str | None = None
    dilation_rate: int = 1
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Conv1D"

    def output_shape(self, input_shape):
        _channels(input_shape, 2, "Conv1D")
        return activated((window_output(input_shape[0], self.kernel_size, self.strides, self.padding, self.dilation_rate), self.filters), self.activation)

    def parameter_count(self, input_shape):
        return self.kernel_size * input_shape[-1] * self.filters + (self.filters if self.use_bias else 0)

    @property
    def activation_name(self):
        return self.activation


@dataclass(frozen=True)
class _Pooling2D(Layer):
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = None  # None: the pool size, as in Keras
    padding: str = "valid"

    def output_shape(self, input_shape):
        _channels(input_shape, 3, self.keras_class)
        height, width, channels = input_shape
        pool, strides = pair(self.pool_size), pair(self.strides or self.pool_size)
        return (
            window_output(height, pool[0], strides[0], self.padding),
            window_output(width, pool[1], strides[1], self.padding),
            channels,
        )


@dataclass(frozen=True)
class MaxPooling2D(_Pooling2D):
    keras_class: ClassVar[str] = "MaxPooling2D"


@dataclass(frozen=True)
class AveragePooling2D(_Pooling2D):
    pool_size: tuple[int, int] = field()  # required in Keras 3 (MaxPooling2D defaults to (2, 2))
    keras_class: ClassVar[str] = "AveragePooling2D"


@dataclass(frozen=True)
class _Pooling1D(Layer):
    pool_size: int = 2
    strides: int | None = None
    padding: str = "valid"

    def output_shape(self, input_shape):
        _channels(input_shape, 2, self.keras_class)
        steps, channels = input_shape
        return (window_output(steps, self.pool_size, self.strides or self.pool_size, self.padding), channels)


@dataclass(frozen=True)
class MaxPooling1D(_Pooling1D):
    keras_class: ClassVar[str] = "MaxPooling1D"


@dataclass(frozen=True)
class AveragePooling1D(_Pooling1D):
    pool_size: int = field()  # required in Keras 3 (MaxPooling1D defaults to 2)
    keras_class: ClassVar[str] = "AveragePooling1D"


@dataclass(frozen=True)
class _GlobalPooling(Layer):
    keepdims: bool = False
    rank: ClassVar[int] = 3

    def output_shape(self, input_shape):
        channels = _channels(input_shape, self.rank, self.keras_class)
        return (*([1] * (self.rank - 1)), channels) if self.keepdims else (channels,)


@dataclass(frozen=True)
class GlobalAveragePooling2D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalAveragePooling2D"


@dataclass(frozen=True)
class GlobalMaxPooling2D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalMaxPooling2D"


@dataclass(frozen=True)
class GlobalAveragePooling1D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalAveragePooling1D"
    rank: ClassVar[int] = 2


@dataclass(frozen=True)
class GlobalMaxPooling1D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalMaxPooling1D"
    rank: ClassVar[int] = 2


@dataclass(frozen=True)
class Flatten(Layer):
    keras_class: ClassVar[str] = "Flatten"

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)


@dataclass(frozen=True)
class Reshape(Layer):
    target_shape: tuple[int, ...]
    keras_class: ClassVar[str] = "Reshape"

    def output_shape(self, input_shape):
        total = math.prod(input_shape)
        known = math.prod(size for size in self.target_shape if size != -1)
        shape = tuple(total // known if size == -1 else size for size in self.target_shape)
        if math.prod(shape) != total:
            raise LayerShapeError(f"Reshape: {total} values do not fit the target shape {self.target_shape}")
        return shape


@dataclass(frozen=True)
class Dropout(Layer):
    rate: float
    keras_class: ClassVar[str] = "Dropout"


@dataclass(frozen=True)
class SpatialDropout2D(Layer):
    """Drops whole feature maps (channels), one draw per image and channel."""

    rate: float
    keras_class: ClassVar[str] = "SpatialDropout2D"

    def output_shape(self, input_shape):
        _channels(input_shape, 3, "SpatialDropout2D")
        return tuple(input_shape)


@dataclass(frozen=True)
class BatchNormalization(Layer):
    """Keras BatchNormalization on the last axis. Its moving statistics follow Keras: momentum
    0.99 weighs the old value (torch's 0.1 weighs the new one), the moving variance takes
    the *biased* batch variance, and ``trainable=False`` runs the layer in inference mode."""

    momentum: float = 0.99
    epsilon: float = 0.001
    center: bool = True
    scale: bool = True
    trainable: bool = True
    keras_class: ClassVar[str] = "BatchNormalization"

    def parameter_count(self, input_shape):
        return input_shape[-1] * (2 + int(self.center) + int(self.scale))  # moving mean and variance too


@dataclass(frozen=True)
class LayerNormalization(Layer):
    """Keras LayerNormalization over the last axis."""

    epsilon: float = 0.001
    center: bool = True
    scale: bool = True
    keras_class: ClassVar[str] = "LayerNormalization"

    def parameter_count(self, input_shape):
        return input_shape[-1] * (int(self.center) + int(self.scale))


@dataclass(frozen=True)
class Activation(Layer):
    activation: str
    keras_class: ClassVar[str] = "Activation"

    def output_shape(self, input_shape):
        return activated(input_shape, self.activation)

    @property
    def activation_name(self):
        return self.activation


@dataclass(frozen=True)
class ReLU(Layer):
    max_value: float | None = None
    negative_slope: float = 0.0
    threshold: float = 0.0
    keras_class: ClassVar[str] = "ReLU"


@dataclass(frozen=True)
class LeakyReLU(Layer):
    negative_slope: float = 0.3  # the layer's Keras default (the "leaky_relu" function's is 0.2)
    keras_class: ClassVar[str] = "LeakyReLU"


@dataclass(frozen=True)
class ELU(Layer):
    alpha: float = 1.0
    keras_class: ClassVar[str] = "ELU"


@dataclass(frozen=True)
class Softmax(Layer):
    axis: int = -1
    keras_class: ClassVar[str] = "Softmax"

    @property
    def activation_name(self):
        return "softmax" if self.axis == -1 else None


@dataclass(frozen=True)
class Embedding(Layer):
    input_dim: int
    output_dim: int
    embeddings_initializer: str = "uniform"
    keras_class: ClassVar[str] = "Embedding"

    def output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def parameter_count(self, input_shape):
        return self.input_dim * self.output_dim


@dataclass(frozen=True)
class ZeroPadding2D(Layer):
    padding: tuple[tuple[int, int], tuple[int, int]] = ((1, 1), (1, 1))  # ((top, bottom), (left, right))
    keras_class: ClassVar[str] = "ZeroPadding2D"

    def output_shape(self, input_shape):
        _channels(input_shape, 3, "ZeroPadding2D")
        height, width, channels = input_shape
        (top, bottom), (left, right) = self.padding
        return (height + top + bottom, width + left + right, channels)


@dataclass(frozen=True)
class Rescaling(Layer):
    scale: float
    offset: float = 0.0
    keras_class: ClassVar[str] = "Rescaling"


LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.keras_class: cls
    for cls in (
        Dense, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
        GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
        Flatten, Reshape, Dropout, SpatialDropout2D, BatchNormalization, LayerNormalization,
        Activation, ReLU, LeakyReLU, ELU, Softmax, Embedding, ZeroPadding2D, Rescaling,
    )
}
LayerSpec = Layer


@dataclass(frozen=True)
class LayerSummary:
    """One row of a Keras-style ``model.summary()``."""

    kind: str
    output_shape: Shape
    parameters: int


def summarize(layers: tuple[Layer, ...], input_shape: Shape) -> list[LayerSummary]:
    """Per-layer output shape (channels-last, batch dimension left out) and parameter count."""
    rows: list[LayerSummary] = []
    shape = tuple(input_shape)
    for index, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise TypeError(f"unknown layer spec {layer!r}")
        try:
            parameters = layer.parameter_count(shape)
            shape = layer.output_shape(shape)
        except LayerShapeError as error:
            raise LayerShapeError(f"layer {index} ({type(layer).__name__}): {error}") from None
        rows.append(LayerSummary(type(layer).__name__, tuple(shape), parameters))
    return rows


def output_activation(layers: tuple[Layer, ...]) -> str | None:
    """The activation the network's last layer ends in (softmax, sigmoid, ...), or None.

    Keras on TensorFlow recovers the logits of a final softmax/sigmoid for its crossentropy
    losses; the port's loss does the same (``keras_compat.losses``). Only the last layer
    counts: after a final Dropout, say, Keras's output is no longer the softmax's."""
    name = layers[-1].activation_name if layers else None
    return None if name == "linear" else name
