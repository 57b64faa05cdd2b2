"""``keras.layers.Cropping2D``: rows and columns cut off the spatial axes of (N, H, W, C).

``cropping`` takes Keras's spellings: n, (rows, columns) each cut from both sides, or
((top, bottom), (left, right)), and either entry of a pair may itself be an int or a pair; the
spec keeps the last form, as Keras's config does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.emit import CHANNELS_FIRST, Emitted
from lightning_port.layers.kinds.case_models import single
from lightning_port.ops.windows import LayerShapeError


def both_sides(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def two_sided(value) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's spellings of 2-D cropping as ((top, bottom), (left, right))."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    if len(value) != 2:
        raise ValueError(f"`cropping` should have two elements. Received: cropping={value}.")
    return (both_sides(value[0]), both_sides(value[1]))


class Crop(nn.Module):
    def __init__(self, cropping, input_shape):
        super().__init__()
        (top, bottom), (left, right) = cropping
        height, width, _ = input_shape
        self.rows, self.columns = slice(top, height - bottom), slice(left, width - right)

    def forward(self, inputs):
        return inputs[:, self.rows, self.columns, :]

    def extra_repr(self) -> str:
        return f"rows={self.rows.start}:{self.rows.stop}, columns={self.columns.start}:{self.columns.stop}"


@dataclass(frozen=True)
class Cropping2D(LayerKind):
    cropping: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))  # ((top, bottom), (left, right))
    keras_class: ClassVar[str] = "Cropping2D"

    def __post_init__(self):
        object.__setattr__(self, "cropping", two_sided(self.cropping))
        super().__post_init__()

    def output_shape(self, input_shape):
        channels(input_shape, 3, "Cropping2D")
        height, width, depth = input_shape
        (top, bottom), (left, right) = self.cropping
        if min(top, bottom, left, right) < 0:
            raise LayerShapeError(f"`cropping` cannot be negative. Received: cropping={self.cropping}.")
        if top + bottom >= height or left + right >= width:
            raise LayerShapeError(
                "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. "
                f"Received: input_shape={(None, *input_shape)}, cropping={self.cropping}"
            )
        return (height - top - bottom, width - left - right, depth)

    export_layout: ClassVar[str] = CHANNELS_FIRST

    def build(self, input_shape, context):
        return Crop(self.cropping, input_shape)

    def emit(self, context):
        (top, bottom), (left, right) = self.cropping
        height, width, _ = context.input_shape
        return Emitted(f"{context.argument}[:, :, {top}:{height - bottom}, {left}:{width - right}]")

    @classmethod
    def conformance_cases(cls):
        return [
            ("((1, 2), (0, 3)) of 6x7", (), single(cls(((1, 2), (0, 3))), (6, 7, 2))),
            ("1 (every side) of 5x5", (), single(cls(1), (5, 5, 2))),
            ("(2, 1) (rows, columns) of 6x5", (), single(cls((2, 1)), (6, 5, 2))),
            ("((0, 2), 1): a pair and an int of 5x6", (), single(cls(((0, 2), 1)), (5, 6, 2))),
            ("no cropping (the default)", (), single(cls(), (3, 4, 2))),
        ]
