"""``keras.layers.Dot(axes, normalize)``: per sample, the dot product of two tensors along one
axis of each, computed as Keras's ``batch_dot`` computes it (``layers/merging/dot.py``).

``axes`` counts the batch axis, as in Keras. Keras resolves a negative int modulo each input's
rank and a negative pair member from the end; the batch axis itself cannot be summed over.
``batch_dot`` moves the first input's summed axis last and the second's to axis 1, squashes
both to rank 3, multiplies them as batched matrices and unsquashes; the port does the same
moves, so its output keeps Keras's axis order (the first input's remaining axes, then the
second's). ``normalize`` scales each input by ``rsqrt(sum of squares)`` along its axis, capped
at 1 / epsilon, as ``keras.ops.normalize`` does (a product by the reciprocal root, not a
division by the norm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.keras_compat.defaults import BACKEND_EPSILON_KERAS_DEFAULT
from lightning_port.layers.base import LayerKind
from lightning_port.layers.kinds.case_models import merged
from lightning_port.layers.kinds.merging import with_batch
from lightning_port.ops.windows import LayerShapeError


def l2_normalized(tensor, axis: int):
    inverse_norm = torch.rsqrt(torch.sum(tensor * tensor, dim=axis, keepdim=True))
    cap = torch.tensor(1.0 / BACKEND_EPSILON_KERAS_DEFAULT, dtype=tensor.dtype)
    # tf.minimum's gradient goes to its first argument where it is <= the second.
    return tensor * torch.where(inverse_norm <= cap, inverse_norm, cap)


def batch_dot(first, second, first_axis: int, second_axis: int):
    first_rank, second_rank = first.dim(), second.dim()
    if first_rank == 2:
        first, first_axis = first.unsqueeze(1), first_axis + 1
    if second_rank == 2:
        second = second.unsqueeze(2)
    first = torch.movedim(first, first_axis, -1)
    second = torch.movedim(second, second_axis, 1)
    middle, trailing = first.shape[1:-1], second.shape[2:]
    product = torch.matmul(first.reshape(first.shape[0], -1, first.shape[-1]), second.reshape(second.shape[0], second.shape[1], -1))
    product = product.reshape(product.shape[0], *middle, *trailing)
    if first_rank == 2:
        return product.squeeze(1)
    if second_rank == 2:
        return product.squeeze(-1)
    return product


class BatchDot(nn.Module):
    def __init__(self, axes: tuple[int, int], normalize: bool):
        super().__init__()
        self.axes, self.normalize = axes, normalize  # batch axis included, non-negative

    def forward(self, inputs):
        first, second = inputs
        if self.normalize:
            first, second = l2_normalized(first, self.axes[0]), l2_normalized(second, self.axes[1])
        return batch_dot(first, second, *self.axes)

    def extra_repr(self) -> str:
        return f"axes={self.axes}, normalize={self.normalize}"


@dataclass(frozen=True)
class Dot(LayerKind):
    axes: int | tuple[int, int]
    normalize: bool = False
    keras_class: ClassVar[str] = "Dot"
    supports_masking: ClassVar[bool] = True

    def masked_outputs(self, input_shape, input_masked):
        return (False,)  # Keras's Dot.compute_mask: None
    example_arguments: ClassVar[dict] = {"axes": 1}
    takes_list: ClassVar[bool] = True

    def __post_init__(self):
        if isinstance(self.axes, list):
            object.__setattr__(self, "axes", tuple(self.axes))  # specs are hashable
        super().__post_init__()

    def resolved_axes(self, shapes) -> tuple[int, int]:
        """Each input's summed axis as a non-negative position, batch axis included."""
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or not all(isinstance(shape, (list, tuple)) for shape in shapes):
            raise LayerShapeError(f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={shapes}")
        ranks = [1 + len(shape) for shape in shapes]
        if min(ranks) < 2:
            raise LayerShapeError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {with_batch(shapes)}")
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        axes = []
        for axis, rank in zip(pair, ranks):
            if isinstance(self.axes, int) and axis < 0:
                axes.append(axis % rank)  # Keras: ``self.axes % len(shape)``
            elif -rank <= axis < rank:
                axes.append(axis % rank)
            else:
                raise LayerShapeError(f"axes {self.axes} is out of range for inputs of shapes {with_batch(shapes)}")
        if 0 in axes:
            raise LayerShapeError("Cannot perform batch_dot over axis 0 (the batch axis)")
        first, second = shapes[0][axes[0] - 1], shapes[1][axes[1] - 1]
        if first != second:
            raise LayerShapeError(
                f"Incompatible input shapes: axis values {first} (at axis {axes[0]}) != {second} (at axis {axes[1]}). "
                f"Full input shapes: {', '.join(map(str, with_batch(shapes)))}"
            )
        return tuple(axes)

    def output_shape(self, input_shape):
        first_axis, second_axis = self.resolved_axes(input_shape)
        first, second = list(input_shape[0]), list(input_shape[1])
        del first[first_axis - 1], second[second_axis - 1]
        return tuple(first + second) or (1,)

    def build(self, input_shape, context):
        return BatchDot(self.resolved_axes(input_shape), self.normalize)

    @classmethod
    def conformance_cases(cls):
        cases = [
            (1, False, [(5,), (5,)]),
            (-1, True, [(5,), (5,)]),
            (1, False, [(3, 4), (3, 5)]),
            (-1, True, [(3, 4), (5, 4)]),
            ((1, 2), False, [(3, 5), (4, 3)]),
            ((2, 2), True, [(3, 5), (4, 5)]),
            ((-1, -2), True, [(3, 4), (4, 2)]),
            ((3, 1), False, [(2, 3, 4), (4, 5)]),
            ((2, 1), False, [(3, 4), (4, 2, 5)]),
            ((1, 2), False, [(4,), (3, 4)]),
            ((2, 1), True, [(3, 4), (4,)]),
        ]
        return [
            (f"axes {axes}{', normalize' if normalize else ''} of {' and '.join(map(str, shapes))}", (), merged(cls(axes, normalize=normalize), shapes))
            for axes, normalize, shapes in cases
        ]
