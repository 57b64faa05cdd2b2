"""``keras.layers.Concatenate(axis)``: a list of tensors joined along one axis.

``axis`` counts as Keras counts it, the batch axis included (axis 1 is a sample's first axis;
negative axes count from the last). The port's shapes leave the batch axis out and its graph
joins samples, not batches, so an axis that names the batch axis is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind
from lightning_port.layers.config import UnsupportedLayer, construct, read_fields
from lightning_port.layers.emit import CHANNELS_FIRST, EITHER, Emitted
from lightning_port.layers.kinds.case_models import merged
from lightning_port.layers.kinds.merging import at_least_one, with_batch
from lightning_port.ops.windows import LayerShapeError


class Concatenation(nn.Module):
    def __init__(self, axis: int):
        super().__init__()
        self.axis = axis  # batch axis included, non-negative

    def forward(self, inputs):
        return torch.cat(inputs, dim=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


@dataclass(frozen=True)
class Concatenate(LayerKind):
    axis: int = -1
    keras_class: ClassVar[str] = "Concatenate"
    takes_list: ClassVar[bool] = True
    supports_masking: ClassVar[bool] = True

    def masked_outputs(self, input_shape, input_masked):
        return (any(input_masked),)

    def compute_mask(self, inputs, mask, outputs):
        """Keras's: each input's mask widened to its shape (all True for an unmasked input),
        concatenated along the axis, then any() over the last axis."""
        axis = self.resolved_axis([tuple(tensor.shape[1:]) for tensor in inputs])
        widened = []
        for tensor, part in zip(inputs, mask):
            if part is None:
                widened.append(torch.ones_like(tensor, dtype=torch.bool))
            elif part.dim() < tensor.dim():
                widened.append(part.unsqueeze(-1).expand(*part.shape, tensor.shape[-1]) if part.dim() == tensor.dim() - 1 else part)
            else:
                widened.append(part)
        return [torch.cat(widened, dim=axis).any(dim=-1)]

    def resolved_axis(self, shapes) -> int:
        """The axis as a non-negative position, batch axis included (Keras's meaning)."""
        rank = 1 + len(shapes[0])
        if not -rank <= self.axis < rank:
            raise LayerShapeError(f"axis {self.axis} is out of range for inputs of rank {rank} (the batch axis included)")
        axis = self.axis % rank
        if axis == 0:
            raise LayerShapeError(f"axis {self.axis} is the batch axis; the port concatenates a sample's axes only")
        return axis

    def output_shape(self, input_shape):
        shapes = at_least_one(input_shape, self.keras_class)
        axis = self.resolved_axis(shapes) - 1
        reduced = {shape[:axis] + shape[axis + 1:] for shape in shapes}
        if len({len(shape) for shape in shapes}) != 1 or len(reduced) != 1:
            raise LayerShapeError(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
                f"Received: input_shape={with_batch(shapes)}"
            )
        return (*shapes[0][:axis], sum(shape[axis] for shape in shapes), *shapes[0][axis + 1:])

    export_layout: ClassVar[str] = EITHER

    def build(self, input_shape, context):
        return Concatenation(self.resolved_axis(input_shape))

    def emit(self, context):
        axis, rank = self.resolved_axis(context.input_shape), 1 + len(context.input_shape[0])
        if context.layout == CHANNELS_FIRST and rank > 2:
            axis = 1 if axis == rank - 1 else axis + 1  # the channels come second, the other axes after them
        return Emitted(f"torch.cat([{', '.join(context.arguments)}], dim={axis})")

    @classmethod
    def from_keras(cls, config, where):
        if config.get("axis") == 0:
            raise UnsupportedLayer(f"{where}: option axis=0 (the batch axis) is not supported; the port concatenates a sample's axes only")
        return construct(cls, read_fields(cls, config, where), where)

    @classmethod
    def conformance_cases(cls):
        cases = [
            (-1, [(5,), (3,)]),
            (1, [(3, 4), (2, 4)]),
            (-2, [(3, 4), (2, 4)]),
            (2, [(2, 3, 4), (2, 5, 4)]),
            (-3, [(2, 3, 4), (4, 3, 4)]),
            (3, [(2, 3, 4), (2, 3, 1)]),
            (-1, [(2, 3), (2, 1), (2, 4)]),
        ]
        return [(f"axis {axis} of {', '.join(map(str, shapes))}", (), merged(cls(axis=axis), shapes)) for axis, shapes in cases]
