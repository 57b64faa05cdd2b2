"""``keras.layers.Rescaling``: ``inputs * scale + offset``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lightning_port.layers.base import LayerKind
from lightning_port.layers.emit import EITHER, Emitted
from lightning_port.layers.kinds.activation_layers import Elementwise
from lightning_port.ops.activations import float32_constant


@dataclass(frozen=True)
class Rescaling(LayerKind):
    scale: float
    offset: float = 0.0
    keras_class: ClassVar[str] = "Rescaling"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    example_arguments: ClassVar[dict] = {"scale": 0.5}

    export_layout: ClassVar[str] = EITHER

    def emit(self, context):
        # Keras keeps scale and offset as float32 values.
        scale, offset = float32_constant(self.scale), float32_constant(self.offset)
        return Emitted(f"{context.argument} * {scale!r} + {offset!r}")

    def build(self, input_shape, context):
        # Keras keeps scale and offset as float32 values, in a float64 model too.
        scale, offset = float32_constant(self.scale), float32_constant(self.offset)
        return Elementwise(lambda x: x * scale + offset, f"x * {scale} + {offset}")

    @classmethod
    def conformance_cases(cls):
        return [("scale 1/255, offset -0.5", (6,), cls(1 / 255, -0.5))]
