"""``keras.layers.Permute(dims)``: a sample's axes reordered; ``dims`` numbers them from 1 (the
batch axis stays first), as Keras's ``transpose(inputs, (0,) + dims)`` does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind
from lightning_port.layers.kinds.case_models import single
from lightning_port.ops.windows import LayerShapeError


class Transpose(nn.Module):
    def __init__(self, dims: tuple[int, ...]):
        super().__init__()
        self.order = (0, *dims)

    def forward(self, inputs):
        return inputs.permute(self.order)

    def extra_repr(self) -> str:
        return f"order={self.order}"


@dataclass(frozen=True)
class Permute(LayerKind):
    dims: tuple[int, ...]
    keras_class: ClassVar[str] = "Permute"
    example_arguments: ClassVar[dict] = {"dims": (2, 1)}

    def __post_init__(self):
        object.__setattr__(self, "dims", tuple(self.dims))
        super().__post_init__()

    def output_shape(self, input_shape):
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise LayerShapeError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims={self.dims}")
        if len(input_shape) != len(self.dims):
            raise LayerShapeError(f"Permute{self.dims} expects inputs of rank {len(self.dims)} (without the batch axis), got shape {tuple(input_shape)}")
        return tuple(input_shape[dim - 1] for dim in self.dims)

    def build(self, input_shape, context):
        return Transpose(self.dims)

    @classmethod
    def conformance_cases(cls):
        return [
            ("(2, 1) of (3, 4)", (), single(cls((2, 1)), (3, 4))),
            ("(3, 1, 2) of (2, 3, 4)", (), single(cls((3, 1, 2)), (2, 3, 4))),
            ("(2, 3, 1) of (2, 3, 4)", (), single(cls((2, 3, 1)), (2, 3, 4))),
            ("(1, 2) of (3, 4): unchanged", (), single(cls((1, 2)), (3, 4))),
        ]
