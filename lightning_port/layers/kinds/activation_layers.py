"""The layers that are one activation function: ``Activation``, ``ReLU``, ``LeakyReLU``,
``ELU`` and ``Softmax``, by Keras's formulas (``ops.activations``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lightning_port.layers.base import ACTIVATIONS, LayerKind, activated
from lightning_port.layers.emit import EITHER, Emitted, NotExportable
from lightning_port.ops.activations import float32_constant, leaky_relu


class Elementwise(nn.Module):
    """A layer that is one function of its input."""

    def __init__(self, function, description: str):
        super().__init__()
        self.function, self.description = function, description

    def forward(self, inputs):
        return self.function(inputs)

    def extra_repr(self) -> str:
        return self.description


class KerasReLU(nn.Module):
    """keras.layers.ReLU(max_value, negative_slope, threshold), by Keras's ReLU.static_call."""

    def __init__(self, layer: ReLU):
        super().__init__()
        self.max_value, self.negative_slope, self.threshold = layer.max_value, layer.negative_slope, layer.threshold

    def forward(self, x):
        if self.negative_slope != 0.0 and self.max_value is None and self.threshold == 0:
            return leaky_relu(x, self.negative_slope)  # tf.nn.leaky_relu, whose slope is a float32
        negative_part = None
        if self.negative_slope != 0.0:
            negative_part = F.relu(-x + self.threshold) if self.threshold != 0 else F.relu(-x)
        if self.threshold != 0:
            x = torch.where(x > self.threshold, x, torch.zeros_like(x))
        elif self.max_value == 6:
            x = F.relu6(x)
        else:
            x = F.relu(x)
        if self.max_value is not None:
            x = torch.clamp(x, max=self.max_value)
        if negative_part is not None:
            x = x - self.negative_slope * negative_part
        return x


@dataclass(frozen=True)
class Activation(LayerKind):
    activation: str
    keras_class: ClassVar[str] = "Activation"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    example_arguments: ClassVar[dict] = {"activation": "tanh"}

    def output_shape(self, input_shape):
        return activated(input_shape, self.activation)

    export_layout: ClassVar[str] = EITHER

    @property
    def activation_name(self):
        return self.activation

    def build(self, input_shape, context):
        return None  # only its activation

    def emit(self, context):
        return Emitted(context.argument)  # the exporter applies its activation

    @classmethod
    def conformance_cases(cls):
        return [(name, (6,), cls(name)) for name in ACTIVATIONS]  # width 6: even, for glu


@dataclass(frozen=True)
class ReLU(LayerKind):
    max_value: float | None = None
    negative_slope: float = 0.0
    threshold: float = 0.0
    keras_class: ClassVar[str] = "ReLU"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    export_layout: ClassVar[str] = EITHER

    def build(self, input_shape, context):
        return KerasReLU(self)

    def emit(self, context):
        if self.max_value is not None or self.negative_slope or self.threshold:
            raise NotExportable(f"{context.where}: ReLU with max_value, negative_slope or threshold is not exported yet")
        return Emitted(f"F.relu({context.argument})", imports=("import torch.nn.functional as F",))

    @classmethod
    def conformance_cases(cls):
        return [
            ("max_value 0.5, negative_slope 0.1, threshold 0.2", (6,), cls(max_value=0.5, negative_slope=0.1, threshold=0.2)),
            ("max_value 6", (6,), cls(max_value=6.0)),
        ]


@dataclass(frozen=True)
class LeakyReLU(LayerKind):
    negative_slope: float = 0.3  # the layer's Keras default (the "leaky_relu" function's is 0.2)
    keras_class: ClassVar[str] = "LeakyReLU"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    export_layout: ClassVar[str] = EITHER

    def emit(self, context):
        # Keras (tf.nn.leaky_relu) keeps the slope as a float32, in a float64 model too.
        slope = float32_constant(self.negative_slope)
        return Emitted(f"F.leaky_relu({context.argument}, {slope!r})", imports=("import torch.nn.functional as F",))

    def build(self, input_shape, context):
        slope = self.negative_slope
        return Elementwise(lambda x: leaky_relu(x, slope), f"leaky_relu({slope})")

    @classmethod
    def conformance_cases(cls):
        return [("negative_slope 0.3 (default)", (6,), cls())]


@dataclass(frozen=True)
class ELU(LayerKind):
    alpha: float = 1.0
    keras_class: ClassVar[str] = "ELU"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    export_layout: ClassVar[str] = EITHER

    def emit(self, context):
        return Emitted(f"F.elu({context.argument}, {self.alpha!r})", imports=("import torch.nn.functional as F",))

    def build(self, input_shape, context):
        alpha = self.alpha
        return Elementwise(lambda x: F.elu(x, alpha), f"elu({alpha})")

    @classmethod
    def conformance_cases(cls):
        return [("alpha 0.5", (6,), cls(alpha=0.5))]


@dataclass(frozen=True)
class Softmax(LayerKind):
    axis: int = -1
    keras_class: ClassVar[str] = "Softmax"
    supports_masking: ClassVar[bool] = True
    mask_refusal: ClassVar[str | None] = "Keras's Softmax sets masked positions to -1e9 before the softmax, which the port does not reproduce"

    @property
    def activation_name(self):
        # On the last axis it is the softmax activation (whose logits Keras on TensorFlow
        # recovers for a crossentropy loss); on another axis, a module of its own.
        return "softmax" if self.axis == -1 else None

    def emit(self, context):
        if self.axis != -1:
            raise NotExportable(f"{context.where}: Softmax on axis {self.axis} is not exported yet")
        return Emitted(context.argument)  # the softmax activation, applied by the exporter

    def build(self, input_shape, context):
        if self.axis == -1:
            return None
        axis = self.axis
        return Elementwise(lambda x: torch.softmax(x, dim=axis), f"softmax(axis={axis})")

    @classmethod
    def conformance_cases(cls):
        return [("axis -1", (6,), cls()), ("axis 1 of (3, 4)", (3, 4), cls(axis=1))]
