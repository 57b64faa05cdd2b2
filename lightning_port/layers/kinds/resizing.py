"""``keras.layers.Resizing`` and ``CenterCrop`` on (N, H, W, C), as Keras 3.15 computes them on
TensorFlow, in training and at inference alike.

Resizing: ``keras.ops.image.resize``: first, with ``crop_to_aspect_ratio``, the centred window
of the target's aspect ratio (its size and offset computed in float32 and truncated, as the
backend does), or with ``pad_to_aspect_ratio`` the image padded with ``fill_value`` to that
ratio (by the same number of rows or columns on both sides: Keras pads ``start`` on each side,
so an odd difference leaves the padded image one short, reproduced); then ``tf.image.resize``
with the interpolation: bilinear and bicubic (TensorFlow's half-pixel kernels,
``image_resize.py``), nearest, area, lanczos3 and lanczos5, and ``antialias`` for bilinear,
bicubic and the lanczos kernels (``image_resample.py``); every kernel is reproduced operation for
operation in float32, its gradient too (area has none in TensorFlow, so none here).
``fill_mode`` other than "constant" is refused: Keras's TensorFlow backend refuses it when called.

CenterCrop: the centred ``height`` x ``width`` window (offsets ``(H - height) // 2``) when the
input is at least that large; else Keras's ``smart_resize``: the largest centred window of the
target's aspect ratio, resized to the target bilinearly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from lightning_port.layers.base import LayerKind, sized_image
from lightning_port.layers.config import UnsupportedLayer, construct, read_fields
from lightning_port.layers.kinds.image_resample import TensorFlowResample
from lightning_port.layers.kinds.image_resize import TensorFlowResize
from lightning_port.ops.windows import LayerShapeError

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
# tf.image.resize's kernel for an antialiased interpolation (ScaleAndTranslate's names).
_ANTIALIASED = {"bilinear": "triangle", "bicubic": "keyscubic", "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def resize_module(input_shape, output_size, interpolation: str, antialias: bool = False) -> nn.Module:
    """``tf.image.resize(images, output_size, method=interpolation, antialias=antialias)``."""
    if antialias and interpolation in _ANTIALIASED:
        return TensorFlowResample(input_shape, output_size, _ANTIALIASED[interpolation], antialias=True)
    if interpolation in ("bilinear", "bicubic"):
        return TensorFlowResize(input_shape, None, interpolation, output_size=output_size)
    return TensorFlowResample(input_shape, output_size, interpolation)


def _truncated_ratio(size: int, target_numerator: int, target_denominator: int) -> int:
    """``int32(float32(size * numerator) / denominator)``, as the backend computes it."""
    return int(np.float32(np.float32(size * target_numerator) / np.float32(target_denominator)))


def _half(difference: int) -> int:
    return int(np.float32(difference) / np.float32(2))


class Resize(nn.Module):
    def __init__(self, input_shape, layer: Resizing):
        super().__init__()
        height, width, depth = input_shape
        target_height, target_width = layer.height, layer.width
        self.rows = self.columns = None
        self.pad = (0, 0)
        self.fill_value = layer.fill_value
        if layer.crop_to_aspect_ratio:
            crop_height = max(min(height, _truncated_ratio(width, target_height, target_width)), 1)
            crop_width = max(min(width, _truncated_ratio(height, target_width, target_height)), 1)
            top, left = _half(height - crop_height), _half(width - crop_width)
            self.rows, self.columns = slice(top, top + crop_height), slice(left, left + crop_width)
            height, width = crop_height, crop_width
        elif layer.pad_to_aspect_ratio:
            pad_height = max(height, _truncated_ratio(width, target_height, target_width))
            pad_width = max(width, _truncated_ratio(height, target_width, target_height))
            self.pad = (_half(pad_height - height), _half(pad_width - width))
            height, width = height + 2 * self.pad[0], width + 2 * self.pad[1]
        self.resize = resize_module((height, width, depth), (target_height, target_width), layer.interpolation, layer.antialias)

    def forward(self, inputs):
        if self.rows is not None:
            inputs = inputs[:, self.rows, self.columns, :]
        rows, columns = self.pad
        if rows:
            band = inputs.new_full((inputs.shape[0], rows, inputs.shape[2], inputs.shape[3]), self.fill_value)
            inputs = torch.cat([band, inputs, band], dim=1)
        if columns:
            band = inputs.new_full((inputs.shape[0], inputs.shape[1], columns, inputs.shape[3]), self.fill_value)
            inputs = torch.cat([band, inputs, band], dim=2)
        return self.resize(inputs).to(inputs.dtype)


class CenterCropping(nn.Module):
    def __init__(self, input_shape, height: int, width: int):
        super().__init__()
        input_height, input_width, depth = input_shape
        self.resize = None
        if input_height >= height and input_width >= width:
            top, left = (input_height - height) // 2, (input_width - width) // 2
            self.rows, self.columns = slice(top, top + height), slice(left, left + width)
            return
        # smart_resize on static shapes: Python's float arithmetic.
        crop_height = max(min(input_height, int(float(input_width * height) / width)), 1)
        crop_width = max(min(input_width, int(float(input_height * width) / height)), 1)
        top, left = int(float(input_height - crop_height) / 2), int(float(input_width - crop_width) / 2)
        self.rows, self.columns = slice(top, top + crop_height), slice(left, left + crop_width)
        self.resize = resize_module((crop_height, crop_width, depth), (height, width), "bilinear")

    def forward(self, inputs):
        cropped = inputs[:, self.rows, self.columns, :]
        return cropped if self.resize is None else self.resize(cropped).to(inputs.dtype)


@dataclass(frozen=True)
class Resizing(LayerKind):
    height: int
    width: int
    interpolation: str = "bilinear"
    crop_to_aspect_ratio: bool = False
    pad_to_aspect_ratio: bool = False
    fill_mode: str = "constant"
    fill_value: float = 0.0
    antialias: bool = False
    keras_class: ClassVar[str] = "Resizing"
    example_arguments: ClassVar[dict] = {"height": 4, "width": 4}

    def output_shape(self, input_shape):
        sized_image(input_shape, "Resizing")
        reason = self.refusal()
        if reason:
            raise LayerShapeError(f"Resizing: {reason}")
        return (self.height, self.width, input_shape[2])

    def refusal(self) -> str | None:
        if self.interpolation not in INTERPOLATIONS:
            return f"option interpolation={self.interpolation!r} is not one Keras offers ({', '.join(INTERPOLATIONS)})"
        if self.fill_mode != "constant":
            return f"option fill_mode={self.fill_mode!r} is not supported (Keras's TensorFlow backend refuses every fill_mode but 'constant' when the layer is called)"
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            return "options crop_to_aspect_ratio and pad_to_aspect_ratio together are not supported (Keras refuses both at once when the layer is called)"
        if self.height < 1 or self.width < 1:
            return f"height and width must be positive, got {self.height} x {self.width}"
        return None

    def build(self, input_shape, context):
        return Resize(input_shape, self)

    @classmethod
    def from_keras(cls, config, where):
        layer = construct(cls, read_fields(cls, config, where), where)
        reason = layer.refusal()
        if reason:
            raise UnsupportedLayer(f"{where}: {reason}")
        return layer

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.kinds.case_models import single

        cases = []
        for interpolation in INTERPOLATIONS:
            cases.append((f"{interpolation}, 7 x 9 -> 4 x 5 (first layer)", (7, 9, 2), cls(4, 5, interpolation)))
            cases.append((f"{interpolation}, 4 x 5 -> 7 x 6 (first layer)", (4, 5, 2), cls(7, 6, interpolation)))
        for interpolation in ("bilinear", "bicubic", "lanczos3", "lanczos5"):
            cases.append((f"{interpolation}, antialias, 9 x 8 -> 4 x 3", (9, 8, 2), cls(4, 3, interpolation, antialias=True)))
        cases += [
            ("crop_to_aspect_ratio, 7 x 9 -> 4 x 4", (7, 9, 2), cls(4, 4, crop_to_aspect_ratio=True)),
            ("crop_to_aspect_ratio, 9 x 5 -> 3 x 4, nearest", (9, 5, 2), cls(3, 4, "nearest", crop_to_aspect_ratio=True)),
            ("pad_to_aspect_ratio, 7 x 9 -> 4 x 4, fill_value 0.5", (7, 9, 2), cls(4, 4, pad_to_aspect_ratio=True, fill_value=0.5)),
            ("pad_to_aspect_ratio, 5 x 8 -> 6 x 4 (odd difference), bicubic", (5, 8, 2), cls(6, 4, "bicubic", pad_to_aspect_ratio=True)),
        ]
        # After trainable layers, the backward pass runs through the resize kernel's gradient.
        for interpolation in ("bilinear", "nearest", "bicubic"):
            cases.append((f"{interpolation}, 5 x 4 -> 3 x 6, after a Dense (its gradient)", (), single(cls(3, 6, interpolation), (5, 4, 2))))
        return cases


@dataclass(frozen=True)
class CenterCrop(LayerKind):
    height: int
    width: int
    keras_class: ClassVar[str] = "CenterCrop"
    example_arguments: ClassVar[dict] = {"height": 4, "width": 4}

    def output_shape(self, input_shape):
        sized_image(input_shape, "CenterCrop")
        if self.height < 1 or self.width < 1:
            raise LayerShapeError(f"CenterCrop: height and width must be positive, got {self.height} x {self.width}")
        return (self.height, self.width, input_shape[2])

    def build(self, input_shape, context):
        return CenterCropping(input_shape, self.height, self.width)

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.kinds.case_models import single

        return [
            ("4 x 5 of 7 x 8", (7, 8, 2), cls(4, 5)),
            ("3 x 3 of 6 x 6 (even margins)", (6, 6, 2), cls(3, 3)),
            ("9 x 4 of 7 x 8 (smaller input: smart_resize)", (7, 8, 2), cls(9, 4)),
            ("4 x 5 of 7 x 8, after a Dense (its gradient)", (), single(cls(4, 5), (7, 8, 2))),
        ]
