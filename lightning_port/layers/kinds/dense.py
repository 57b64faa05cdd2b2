"""``keras.layers.Dense``: ``activation(inputs @ kernel + bias)`` along the last axis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow, activated
from lightning_port.layers.emit import Emitted, call_arguments, weight_initialization
from lightning_port.layers.translation import COPY, TRANSPOSE
from lightning_port.ops.initializers import initialize
from lightning_port.ops.windows import LayerShapeError


@dataclass(frozen=True)
class Dense(LayerKind):
    units: int
    activation: str | None = None  # Keras Dense default: no activation ("linear")
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Dense"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    example_arguments: ClassVar[dict] = {"units": 4}

    def output_shape(self, input_shape):
        if not input_shape:
            raise LayerShapeError("Dense needs at least one input axis")
        return activated((*input_shape[:-1], self.units), self.activation)  # along the last axis, as in Keras

    def parameter_count(self, input_shape):
        return input_shape[-1] * self.units + (self.units if self.use_bias else 0)

    @property
    def activation_name(self):
        return self.activation

    def build(self, input_shape, context):
        return nn.Linear(input_shape[-1], self.units, bias=self.use_bias)  # on the last axis, as Keras's Dense

    def initialize(self, module):
        initialize(module.weight, self.kernel_initializer)
        if module.bias is not None:
            initialize(module.bias, self.bias_initializer)

    def weights(self):
        return (WeightRow("kernel", "weight", TRANSPOSE),) + ((WeightRow("bias", "bias", COPY),) if self.use_bias else ())

    def emit(self, context):
        arguments = call_arguments(context.input_shape[-1], self.units, bias=None if self.use_bias else False)
        bias = self.bias_initializer if self.use_bias else None
        return Emitted(f"{context.module}({context.argument})", f"nn.Linear({arguments})", **weight_initialization(self.kernel_initializer, bias))

    @classmethod
    def conformance_cases(cls):
        return [
            ("units=4", (5,), cls(4)),
            ("relu, no bias", (5,), cls(4, activation="relu", use_bias=False)),
            ("on a rank-3 input (the last axis)", (3, 5), cls(4, activation="tanh")),
        ]
