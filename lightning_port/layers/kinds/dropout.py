"""``keras.layers.Dropout`` and ``SpatialDropout2D``: identity at inference; in training, inverted
dropout (kept values scaled by 1 / (1 - rate)) with masks from the run's own seeded streams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch.nn.functional as F
from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.emit import EITHER, Emitted


class SpatialDropout(nn.Module):
    """Drops whole channels: one keep-or-drop per (image, channel), as SpatialDropout2D does."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, inputs):
        if not self.training or self.rate == 0:
            return inputs
        mask_shape = (inputs.shape[0],) + (1,) * (inputs.dim() - 2) + (inputs.shape[-1],)
        mask = F.dropout(inputs.new_ones(mask_shape), self.rate, training=True)
        return inputs * mask


@dataclass(frozen=True)
class Dropout(LayerKind):
    rate: float
    keras_class: ClassVar[str] = "Dropout"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    example_arguments: ClassVar[dict] = {"rate": 0.25}

    export_layout: ClassVar[str] = EITHER

    def build(self, input_shape, context):
        return nn.Dropout(self.rate)

    def emit(self, context):
        # Its mask is drawn in memory order, and a permuted tensor is the framework's memory.
        return Emitted(f"{context.module}({context.argument})", f"nn.Dropout({self.rate!r})")

    @classmethod
    def conformance_cases(cls):
        return [("rate 0.3 (inference: identity)", (6,), cls(0.3))]


@dataclass(frozen=True)
class SpatialDropout2D(LayerKind):
    rate: float
    keras_class: ClassVar[str] = "SpatialDropout2D"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through
    example_arguments: ClassVar[dict] = {"rate": 0.25}

    def output_shape(self, input_shape):
        channels(input_shape, 3, "SpatialDropout2D")
        return tuple(input_shape)

    def build(self, input_shape, context):
        return SpatialDropout(self.rate)

    @classmethod
    def conformance_cases(cls):
        return [("rate 0.3 (inference: identity)", (4, 4, 3), cls(0.3))]
