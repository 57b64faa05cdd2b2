"""``keras.layers.ZeroPadding2D``: zeros around the two spatial axes of (N, H, W, C)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch.nn.functional as F
from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.config import construct, read_fields
from lightning_port.layers.emit import CHANNELS_FIRST, Emitted


class ZeroPad(nn.Module):
    def __init__(self, padding):
        super().__init__()
        (top, bottom), (left, right) = padding
        self.flat = (0, 0, left, right, top, bottom)  # F.pad: the last axis (channels) first

    def forward(self, inputs):
        return F.pad(inputs, self.flat)

    def extra_repr(self) -> str:
        return f"padding={self.flat}"


def two_sided(value) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's three spellings of 2-D padding: n, (rows, columns), ((top, bottom), (left, right))."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    if all(isinstance(item, int) for item in value):
        return ((value[0], value[0]), (value[1], value[1]))
    return tuple(tuple(item) for item in value)


@dataclass(frozen=True)
class ZeroPadding2D(LayerKind):
    padding: tuple[tuple[int, int], tuple[int, int]] = ((1, 1), (1, 1))  # ((top, bottom), (left, right))
    keras_class: ClassVar[str] = "ZeroPadding2D"

    def output_shape(self, input_shape):
        channels(input_shape, 3, "ZeroPadding2D")
        height, width, depth = input_shape
        (top, bottom), (left, right) = self.padding
        return (height + top + bottom, width + left + right, depth)

    export_layout: ClassVar[str] = CHANNELS_FIRST

    def build(self, input_shape, context):
        return ZeroPad(self.padding)

    def emit(self, context):
        (top, bottom), (left, right) = self.padding
        return Emitted(f"{context.module}({context.argument})", f"nn.ZeroPad2d({(left, right, top, bottom)!r})")

    @classmethod
    def from_keras(cls, config, where):
        values = read_fields(cls, config, where)
        if "padding" in values:
            values["padding"] = two_sided(values["padding"])
        return construct(cls, values, where)

    @classmethod
    def conformance_cases(cls):
        return [("((1, 2), (0, 3))", (4, 4, 2), cls(((1, 2), (0, 3))))]
