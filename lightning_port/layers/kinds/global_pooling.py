"""``keras.layers.GlobalAveragePooling1D/2D`` and ``GlobalMaxPooling1D/2D``: the mean or the
maximum over every axis but the batch and the channels. GlobalAveragePooling1D takes a Keras
mask as Keras's does: the sum over the unmasked steps divided by their count (its output
carries no mask); the others drop a mask, as Keras's do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.emit import CHANNELS_FIRST, EITHER, Emitted


class GlobalPooling(nn.Module):
    def __init__(self, average: bool, axes: tuple[int, ...], keepdims: bool):
        super().__init__()
        self.average, self.axes, self.keepdims = average, axes, keepdims

    def forward(self, inputs, mask=None):
        if mask is not None:
            kept = mask.unsqueeze(-1)
            total = torch.where(kept, inputs, torch.zeros_like(inputs)).sum(dim=self.axes, keepdim=self.keepdims)
            return total / kept.to(inputs.dtype).sum(dim=self.axes, keepdim=self.keepdims)
        if self.average:
            return inputs.mean(dim=self.axes, keepdim=self.keepdims)
        return inputs.amax(dim=self.axes, keepdim=self.keepdims)


@dataclass(frozen=True)
class _GlobalPooling(LayerKind):
    keepdims: bool = False
    rank: ClassVar[int] = 3
    average: ClassVar[bool] = True

    def output_shape(self, input_shape):
        depth = channels(input_shape, self.rank, self.keras_class)
        return (*([1] * (self.rank - 1)), depth) if self.keepdims else (depth,)

    export_layout: ClassVar[str] = EITHER

    def build(self, input_shape, context):
        return GlobalPooling(self.average, tuple(range(1, self.rank)), self.keepdims)

    def emit(self, context):
        first = 2 if context.layout == CHANNELS_FIRST else 1
        axes = tuple(range(first, first + self.rank - 1))
        dimensions = axes[0] if len(axes) == 1 else axes
        keepdim = ", keepdim=True" if self.keepdims else ""
        return Emitted(f"{context.argument}.{'mean' if self.average else 'amax'}(dim={dimensions}{keepdim})")

    @classmethod
    def conformance_cases(cls):
        shape = (4, 5, 3) if cls.rank == 3 else (6, 3)
        return [(f"keepdims={keepdims}", shape, cls(keepdims=keepdims)) for keepdims in (False, True)]


@dataclass(frozen=True)
class GlobalAveragePooling2D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalAveragePooling2D"


@dataclass(frozen=True)
class GlobalMaxPooling2D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalMaxPooling2D"
    average: ClassVar[bool] = False


@dataclass(frozen=True)
class GlobalAveragePooling1D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalAveragePooling1D"
    rank: ClassVar[int] = 2
    supports_masking: ClassVar[bool] = True
    takes_mask: ClassVar[bool] = True

    def masked_outputs(self, input_shape, input_masked):
        return (False,)


@dataclass(frozen=True)
class GlobalMaxPooling1D(_GlobalPooling):
    keras_class: ClassVar[str] = "GlobalMaxPooling1D"
    rank: ClassVar[int] = 2
    average: ClassVar[bool] = False
