"""``keras.layers.Flatten`` and ``Reshape``: the backbone keeps Keras's channels-last layout,
so flattening or reshaping in memory order is Keras's order (no permutation, no weight row)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind
from lightning_port.layers.emit import Emitted
from lightning_port.ops.windows import LayerShapeError


class ReshapeInMemoryOrder(nn.Module):
    def __init__(self, target_shape: tuple[int, ...]):
        super().__init__()
        self.target_shape = tuple(target_shape)

    def forward(self, inputs):
        return inputs.reshape(inputs.shape[0], *self.target_shape)

    def extra_repr(self) -> str:
        return f"target_shape={self.target_shape}"


@dataclass(frozen=True)
class Flatten(LayerKind):
    keras_class: ClassVar[str] = "Flatten"

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def build(self, input_shape, context):
        return ReshapeInMemoryOrder(self.output_shape(input_shape))

    def emit(self, context):
        return Emitted(f"torch.flatten({context.argument}, 1)")

    @classmethod
    def conformance_cases(cls):
        return [("of (4, 5, 3), channels-last order", (4, 5, 3), cls())]


@dataclass(frozen=True)
class Reshape(LayerKind):
    target_shape: tuple[int, ...]
    keras_class: ClassVar[str] = "Reshape"
    example_arguments: ClassVar[dict] = {"target_shape": (2, 3)}

    def output_shape(self, input_shape):
        total = math.prod(input_shape)
        known = math.prod(size for size in self.target_shape if size != -1)
        shape = tuple(total // known if size == -1 else size for size in self.target_shape)
        if math.prod(shape) != total:
            raise LayerShapeError(f"Reshape: {total} values do not fit the target shape {self.target_shape}")
        return shape

    def build(self, input_shape, context):
        return ReshapeInMemoryOrder(self.output_shape(input_shape))

    def emit(self, context):
        shape = ", ".join(str(size) for size in self.output_shape(context.input_shape))
        return Emitted(f"{context.argument}.reshape({context.argument}.shape[0], {shape})")

    @classmethod
    def conformance_cases(cls):
        return [("(4, 5, 3) -> (-1, 6)", (4, 5, 3), cls((-1, 6)))]
