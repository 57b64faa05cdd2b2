"""``keras.layers.Masking(mask_value)``: a time step whose every feature equals ``mask_value`` is
masked (its mask False) for the layers after it, and set to 0, as Keras's ``call`` does; the
mask it makes replaces any mask its input had (Keras's ``compute_mask`` ignores it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind
from lightning_port.ops.windows import LayerShapeError


def kept_steps(inputs, mask_value: float):
    """True where any feature differs from ``mask_value`` (the last axis reduced)."""
    return (inputs != mask_value).any(dim=-1)


class MaskValue(nn.Module):
    def __init__(self, mask_value: float):
        super().__init__()
        self.mask_value = mask_value

    def forward(self, inputs):
        return torch.where(kept_steps(inputs, self.mask_value).unsqueeze(-1), inputs, torch.zeros_like(inputs))

    def extra_repr(self) -> str:
        return f"mask_value={self.mask_value}"


@dataclass(frozen=True)
class Masking(LayerKind):
    mask_value: float = 0.0
    keras_class: ClassVar[str] = "Masking"
    supports_masking: ClassVar[bool] = True

    def output_shape(self, input_shape):
        if len(input_shape) < 1:
            raise LayerShapeError("Masking needs at least one axis besides the batch axis")
        return tuple(input_shape)

    def build(self, input_shape, context):
        return MaskValue(self.mask_value)

    def masked_outputs(self, input_shape, input_masked):
        return (True,)

    def compute_mask(self, inputs, mask, outputs):
        return [kept_steps(inputs, self.mask_value)]

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.kinds.case_models import masked_by_masking
        from lightning_port.layers.registry import kind_classes

        pooling = kind_classes()["GlobalAveragePooling1D"]()
        return [
            ("mask_value 0 (inference: identity on unmasked steps)", (5, 3), cls()),
            ("mask_value 0 on a Dense(1, relu) branch, into GlobalAveragePooling1D", (), masked_by_masking(pooling)),
        ]
