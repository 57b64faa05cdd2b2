"""``keras.layers.UpSampling2D(size, interpolation)`` on (N, H, W, C), as Keras computes it on
TensorFlow.

"nearest" repeats each row and column (Keras's ``ops.repeat``, not an image resize).
"bilinear" is ``tf.image.resize(method="bilinear", antialias=False)``: TensorFlow's
``ResizeBilinear`` kernel with half-pixel centres, reproduced operation for operation:

- the sampling positions and weights are computed in float32, ``(i + 0.5) * scale - 0.5``
  with ``scale = float32(in) / float32(out)``, clamped to the image (``scale`` is inexact
  for a factor of 3, so the weights are float32's, in a float64 model too);
- the image is read as float32 and interpolated in float32, rows then columns
  (``top + (bottom - top) * lerp``), even for a float64 input: TensorFlow's kernel outputs
  float32 and Keras casts it back, so Keras's float64 model computes this layer in float32 and
  the port does the same, or its float64 results would not be Keras's;
- the gradient is TensorFlow's ``ResizeBilinearGrad``: each output pixel's float32 gradient
  times its two weights, in float32, cast to the input's dtype and added to its four source
  pixels in TensorFlow's order (output pixel by pixel; top-left, top-right, bottom-left,
  bottom-right), not autograd's derivative of the forward formula, which rounds differently.

TensorFlow's other kernels ("bicubic", "area", "lanczos3", "lanczos5") are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.config import UnsupportedLayer, construct, read_fields
from lightning_port.layers.kinds.case_models import single
from lightning_port.ops.windows import LayerShapeError

INTERPOLATIONS = ("nearest", "bilinear")
REFUSED_INTERPOLATIONS = ("bicubic", "area", "lanczos3", "lanczos5")


def half_pixel_weights(in_size: int, out_size: int):
    """TensorFlow's ``compute_interpolation_weights`` with its ``HalfPixelScaler``, in float32:
    per output position, (lower source index, upper source index, weight of the upper one)."""
    scale = np.float32(in_size) / np.float32(out_size)
    lower, upper, lerp = [], [], []
    for position in range(out_size):
        source = (np.float32(position) + np.float32(0.5)) * scale - np.float32(0.5)
        floor = np.floor(source)
        lower.append(max(int(floor), 0))
        upper.append(min(int(np.ceil(source)), in_size - 1))
        lerp.append(source - floor)
    return torch.tensor(lower), torch.tensor(upper), torch.from_numpy(np.array(lerp, dtype=np.float32))


@dataclass(frozen=True)
class BilinearTables:
    """Where each output pixel reads and with which float32 weights, on one device."""

    row_lower: torch.Tensor
    row_upper: torch.Tensor
    row_lerp: torch.Tensor  # (1, out_h, 1, 1)
    column_lower: torch.Tensor
    column_upper: torch.Tensor
    column_lerp: torch.Tensor  # (1, 1, out_w, 1)
    targets: torch.Tensor  # per output pixel and corner, in backward's order: the flat source pixel

    @classmethod
    def of(cls, input_shape, size) -> BilinearTables:
        height, width, _ = input_shape
        row_lower, row_upper, row_lerp = half_pixel_weights(height, height * size[0])
        column_lower, column_upper, column_lerp = half_pixel_weights(width, width * size[1])
        corner_rows = torch.stack([row_lower, row_lower, row_upper, row_upper], dim=1)  # (out_h, 4)
        corner_columns = torch.stack([column_lower, column_upper, column_lower, column_upper], dim=1)  # (out_w, 4)
        targets = (corner_rows[:, None, :] * width + corner_columns[None, :, :]).reshape(-1)
        return cls(row_lower, row_upper, row_lerp.view(1, -1, 1, 1), column_lower, column_upper, column_lerp.view(1, 1, -1, 1), targets)

    def to(self, device) -> BilinearTables:
        return BilinearTables(*(getattr(self, item.name).to(device) for item in fields(self)))


class _ResizeBilinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, tables: BilinearTables):
        ctx.tables, ctx.input_shape, ctx.input_dtype = tables, inputs.shape, inputs.dtype
        image = inputs.to(torch.float32)
        top, bottom = image[:, tables.row_lower], image[:, tables.row_upper]
        top_left, top_right = top[:, :, tables.column_lower], top[:, :, tables.column_upper]
        bottom_left, bottom_right = bottom[:, :, tables.column_lower], bottom[:, :, tables.column_upper]
        top_row = top_left + (top_right - top_left) * tables.column_lerp
        bottom_row = bottom_left + (bottom_right - bottom_left) * tables.column_lerp
        return top_row + (bottom_row - top_row) * tables.row_lerp

    @staticmethod
    def backward(ctx, gradient):
        tables = ctx.tables
        gradient = gradient.to(torch.float32)
        above, below = gradient * (1.0 - tables.row_lerp), gradient * tables.row_lerp
        left_weight = 1.0 - tables.column_lerp
        corners = (above * left_weight, above * tables.column_lerp, below * left_weight, below * tables.column_lerp)
        batch, height, width, depth = ctx.input_shape
        # (N, out_h, out_w, 4, C): each output pixel's four contributions, added in TensorFlow's order.
        contributions = torch.stack(corners, dim=3).to(ctx.input_dtype).reshape(batch, -1, depth)
        result = torch.zeros(batch, height * width, depth, dtype=ctx.input_dtype, device=gradient.device)
        result.index_add_(1, tables.targets, contributions)
        return result.reshape(ctx.input_shape), None


class BilinearResize(nn.Module):
    def __init__(self, input_shape, size):
        super().__init__()
        self.size = tuple(size)
        # Plain attributes, not buffers: a buffer would count as a weight in the architecture
        # rows and would be cast by model.double(), and these weights stay float32.
        self.tables = {torch.device("cpu"): BilinearTables.of(input_shape, size)}

    def forward(self, inputs):
        if inputs.device not in self.tables:
            self.tables[inputs.device] = self.tables[torch.device("cpu")].to(inputs.device)
        return _ResizeBilinear.apply(inputs, self.tables[inputs.device]).to(inputs.dtype)

    def extra_repr(self) -> str:
        return f"size={self.size}, bilinear (TensorFlow's half-pixel kernel, float32)"


class NearestRepeat(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.size = tuple(size)

    def forward(self, inputs):
        return inputs.repeat_interleave(self.size[0], dim=1).repeat_interleave(self.size[1], dim=2)

    def extra_repr(self) -> str:
        return f"size={self.size}, nearest"


@dataclass(frozen=True)
class UpSampling2D(LayerKind):
    size: tuple[int, int] = (2, 2)
    interpolation: str = "nearest"
    keras_class: ClassVar[str] = "UpSampling2D"
    pair_fields: ClassVar[tuple[str, ...]] = ("size",)

    def __post_init__(self):
        object.__setattr__(self, "interpolation", self.interpolation.lower())  # as Keras stores it
        super().__post_init__()

    def output_shape(self, input_shape):
        channels(input_shape, 3, "UpSampling2D")
        if self.interpolation not in INTERPOLATIONS:
            raise LayerShapeError(refusal(self.interpolation))
        if min(self.size) <= 0:
            raise LayerShapeError(f"`size` must be positive. Received: size={self.size}")
        height, width, depth = input_shape
        return (height * self.size[0], width * self.size[1], depth)

    def build(self, input_shape, context):
        if self.interpolation == "bilinear":
            return BilinearResize(input_shape, self.size)
        return NearestRepeat(self.size)

    @classmethod
    def from_keras(cls, config, where):
        interpolation = str(config.get("interpolation", "nearest")).lower()
        if interpolation not in INTERPOLATIONS:
            raise UnsupportedLayer(f"{where}: {refusal(interpolation)}")
        return construct(cls, read_fields(cls, config, where), where)

    @classmethod
    def conformance_cases(cls):
        return [
            (f"size {size}, {interpolation}, of {shape[0]}x{shape[1]}", (), single(cls(size, interpolation=interpolation), shape))
            for interpolation in INTERPOLATIONS
            for size, shape in (((2, 2), (3, 3, 2)), ((3, 2), (2, 3, 2)), ((1, 3), (3, 2, 3)), ((2, 3), (1, 2, 2)))
        ]


def refusal(interpolation: str) -> str:
    return f"option interpolation={interpolation!r} is not supported (only 'nearest' and 'bilinear'; TensorFlow's {', '.join(REFUSED_INTERPOLATIONS)} kernels are not reproduced)"
