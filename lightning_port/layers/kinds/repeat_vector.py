"""``keras.layers.RepeatVector(n)``: a vector of (features,) repeated into (n, features)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind
from lightning_port.layers.emit import Emitted
from lightning_port.layers.kinds.case_models import single
from lightning_port.ops.windows import LayerShapeError


class Repeat(nn.Module):
    def __init__(self, times: int):
        super().__init__()
        self.times = times

    def forward(self, inputs):
        return inputs.unsqueeze(1).repeat_interleave(self.times, dim=1)

    def extra_repr(self) -> str:
        return f"times={self.times}"


@dataclass(frozen=True)
class RepeatVector(LayerKind):
    n: int
    keras_class: ClassVar[str] = "RepeatVector"
    example_arguments: ClassVar[dict] = {"n": 3}

    def output_shape(self, input_shape):
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n <= 0:
            raise LayerShapeError(f"Argument `n` should be a positive integer. Received: n={self.n}")
        if len(input_shape) != 1:
            raise LayerShapeError(f"RepeatVector expects inputs of rank 1 (without the batch axis), got shape {tuple(input_shape)}")
        return (self.n, input_shape[0])

    def build(self, input_shape, context):
        return Repeat(self.n)

    def emit(self, context):
        return Emitted(f"{context.argument}.unsqueeze(1).repeat_interleave({self.n}, dim=1)")

    @classmethod
    def conformance_cases(cls):
        return [("n 3 of (4,)", (), single(cls(3), (4,))), ("n 1 of (5,)", (), single(cls(1), (5,)))]
