"""TensorFlow's ``ResizeBilinear`` and ``ResizeBicubic`` CPU kernels with half-pixel centres
(``tf.image.resize(..., antialias=False)``, what ``keras.ops.image.resize`` calls on
TensorFlow), and their gradients, reproduced operation for operation in torch on (N, H, W, C).
No kind is defined here (``up_sampling.py`` uses these).

What the kernels do, and so what this does:

- sampling positions are computed in float32, ``(i + 0.5) * scale - 0.5`` with
  ``scale = float32(in) / float32(out)``; indices are clamped to the image. ``scale`` is
  inexact for a factor of 3, so the weights are float32 values, in a float64 model too;
- the image is read as float32 and interpolated in float32, even for a float64 input: the
  kernels output float32 and Keras casts the result back, so Keras's float64 model computes
  these layers in float32, and the port does the same or its float64 results would not be
  Keras's;
- bilinear interpolates rows then columns as ``top + (bottom - top) * lerp``; bicubic takes
  Keys's cubic (a = -0.5) weights from TensorFlow's 1025-entry table (the fraction rounded to
  1/1024), zeroes taps outside the image and renormalises the four, then sums each column's
  four rows and the four columns, left to right;
- the gradients are TensorFlow's grad kernels, not autograd's derivative of the forward
  formula (which rounds differently): each output pixel's gradient times its row weight times
  its column weight (bilinear: in float32, then cast; bicubic: in the input's dtype), added to
  the source pixels in the input's dtype, output pixel by output pixel, taps in row-major
  order, as the kernels' loops add them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import nn

CUBIC_TABLE_SIZE = 1024  # TensorFlow's kTableSize
KEYS_CUBIC_A = -0.5
FLOAT32_SMALLEST_NORMAL = np.finfo(np.float32).tiny


def half_pixel_position(position: int, scale: np.float32) -> np.float32:
    """TensorFlow's ``HalfPixelScaler``, in float32."""
    return (np.float32(position) + np.float32(0.5)) * scale - np.float32(0.5)


def resize_scale(in_size: int, out_size: int) -> np.float32:
    return np.float32(in_size) / np.float32(out_size)


@dataclass(frozen=True)
class Taps:
    """Per axis: for each output position, the source index and float32 weight of each tap
    (bilinear: the lower and upper index and the upper's lerp)."""

    indices: torch.Tensor  # (out, taps), int64
    weights: torch.Tensor  # (out, taps) or (out,), float32

    def to(self, device) -> Taps:
        return Taps(*(getattr(self, item.name).to(device) for item in fields(self)))


def bilinear_taps(in_size: int, out_size: int) -> Taps:
    """TensorFlow's ``compute_interpolation_weights``: (lower, upper) and the lerp."""
    scale = resize_scale(in_size, out_size)
    indices, lerps = [], []
    for position in range(out_size):
        source = half_pixel_position(position, scale)
        floor = np.floor(source)
        indices.append((max(int(floor), 0), min(int(np.ceil(source)), in_size - 1)))
        lerps.append(source - floor)
    return Taps(torch.tensor(indices), torch.from_numpy(np.array(lerps, dtype=np.float32)))


def cubic_table() -> np.ndarray:
    """TensorFlow's ``InitCoeffsTable(-0.5)``: computed in double, stored as float32."""
    table = np.empty((CUBIC_TABLE_SIZE + 1, 2), dtype=np.float32)
    a = KEYS_CUBIC_A
    for index in range(CUBIC_TABLE_SIZE + 1):
        x = float(np.float32(index * 1.0 / CUBIC_TABLE_SIZE))
        table[index, 0] = ((a + 2) * x - (a + 3)) * x * x + 1
        x = float(np.float32(x + 1.0))
        table[index, 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return table


def bicubic_taps(in_size: int, out_size: int) -> Taps:
    """TensorFlow's ``GetWeightsAndIndices`` with Keys's cubic and half-pixel centres."""
    scale, table = resize_scale(in_size, out_size), cubic_table()
    indices, weights = [], []
    for position in range(out_size):
        source = half_pixel_position(position, scale)
        start = int(np.floor(source))
        offset = int(np.rint((source - np.float32(start)) * np.float32(CUBIC_TABLE_SIZE)))  # lrintf: to nearest, ties to even
        wanted = (start - 1, start, start + 1, start + 2)
        entries = (table[offset, 1], table[offset, 0], table[CUBIC_TABLE_SIZE - offset, 0], table[CUBIC_TABLE_SIZE - offset, 1])
        bounded = [min(in_size - 1, max(0, index)) for index in wanted]
        tap_weights = [entry if index == want else np.float32(0.0) for entry, index, want in zip(entries, bounded, wanted)]
        total = ((tap_weights[0] + tap_weights[1]) + tap_weights[2]) + tap_weights[3]
        if abs(total) >= np.float32(1000.0) * FLOAT32_SMALLEST_NORMAL:
            reciprocal = np.float32(1.0) / total
            tap_weights = [weight * reciprocal for weight in tap_weights]
        indices.append(bounded)
        weights.append(tap_weights)
    return Taps(torch.tensor(indices), torch.from_numpy(np.array(weights, dtype=np.float32)))


def weighted_sum(values, weights):
    """``v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3`` as C++ evaluates it: left to right."""
    total = values[0] * weights[0]
    for value, weight in zip(values[1:], weights[1:]):
        total = total + value * weight
    return total


def _accumulate(contributions, targets, input_shape, dtype):
    """Each output pixel's tap contributions (N, out_h, out_w, taps, C), added to their source
    pixels in that order, in ``dtype``."""
    batch, height, width, depth = input_shape
    result = torch.zeros(batch, height * width, depth, dtype=dtype, device=contributions.device)
    result.index_add_(1, targets, contributions.to(dtype).reshape(batch, -1, depth))
    return result.reshape(input_shape)


def _targets(rows: Taps, columns: Taps, width: int) -> torch.Tensor:
    """The flat source pixel of each (output pixel, row tap, column tap), row taps outer."""
    flat = rows.indices[:, None, :, None] * width + columns.indices[None, :, None, :]
    return flat.reshape(-1)


class _Bilinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, plan):
        ctx.plan, ctx.input_shape, ctx.input_dtype = plan, inputs.shape, inputs.dtype
        rows, columns = plan.rows, plan.columns
        column_lerp = columns.weights.view(1, 1, -1, 1)
        image = inputs.to(torch.float32)
        top, bottom = image[:, rows.indices[:, 0]], image[:, rows.indices[:, 1]]
        top_left, top_right = top[:, :, columns.indices[:, 0]], top[:, :, columns.indices[:, 1]]
        bottom_left, bottom_right = bottom[:, :, columns.indices[:, 0]], bottom[:, :, columns.indices[:, 1]]
        top_row = top_left + (top_right - top_left) * column_lerp
        bottom_row = bottom_left + (bottom_right - bottom_left) * column_lerp
        return top_row + (bottom_row - top_row) * rows.weights.view(1, -1, 1, 1)

    @staticmethod
    def backward(ctx, gradient):
        plan = ctx.plan
        gradient = gradient.to(torch.float32)
        row_lerp, column_lerp = plan.rows.weights.view(1, -1, 1, 1), plan.columns.weights.view(1, 1, -1, 1)
        above, below = gradient * (1.0 - row_lerp), gradient * row_lerp
        left = 1.0 - column_lerp
        corners = torch.stack((above * left, above * column_lerp, below * left, below * column_lerp), dim=3)
        return _accumulate(corners, plan.targets, ctx.input_shape, ctx.input_dtype), None


class _Bicubic(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, plan):
        ctx.plan, ctx.input_shape, ctx.input_dtype = plan, inputs.shape, inputs.dtype
        rows, columns = plan.rows, plan.columns
        image = inputs.to(torch.float32)
        row_weights = [rows.weights[:, tap].view(1, -1, 1, 1) for tap in range(4)]
        column_weights = [columns.weights[:, tap].view(1, 1, -1, 1) for tap in range(4)]
        # Each source column's four rows, then each output pixel's four columns.
        vertical = weighted_sum([image[:, rows.indices[:, tap]] for tap in range(4)], row_weights)
        return weighted_sum([vertical[:, :, columns.indices[:, tap]] for tap in range(4)], column_weights)

    @staticmethod
    def backward(ctx, gradient):
        plan, dtype = ctx.plan, ctx.input_dtype
        gradient = gradient.to(dtype)
        row_weights = [plan.rows.weights[:, tap].to(dtype).view(1, -1, 1, 1) for tap in range(4)]
        column_weights = [plan.columns.weights[:, tap].to(dtype).view(1, 1, -1, 1) for tap in range(4)]
        taps = torch.stack([gradient * row_weight * column_weight for row_weight in row_weights for column_weight in column_weights], dim=3)
        return _accumulate(taps, plan.targets, ctx.input_shape, dtype), None


@dataclass(frozen=True)
class ResizePlan:
    rows: Taps
    columns: Taps
    targets: torch.Tensor

    def to(self, device) -> ResizePlan:
        return ResizePlan(self.rows.to(device), self.columns.to(device), self.targets.to(device))


class TensorFlowResize(nn.Module):
    """Resizing (N, H, W, C) with TensorFlow's bilinear or bicubic kernel: by integer factors
    ``size`` (UpSampling2D), or to ``output_size`` (height, width) (Resizing, RandomCrop)."""

    KERNELS = {"bilinear": (bilinear_taps, _Bilinear), "bicubic": (bicubic_taps, _Bicubic)}

    def __init__(self, input_shape, size, method: str, output_size: tuple[int, int] | None = None):
        super().__init__()
        height, width = input_shape[0], input_shape[1]
        taps, self.function = self.KERNELS[method]
        output_size = (height * size[0], width * size[1]) if output_size is None else tuple(output_size)
        self.size, self.method = output_size, method
        rows, columns = taps(height, output_size[0]), taps(width, output_size[1])
        # A plain attribute, not buffers: buffers would count as weights in the architecture
        # rows, and model.double() would cast them (these weights stay float32).
        self.plans = {torch.device("cpu"): ResizePlan(rows, columns, _targets(rows, columns, width))}

    def forward(self, inputs):
        if inputs.device not in self.plans:
            self.plans[inputs.device] = self.plans[torch.device("cpu")].to(inputs.device)
        return self.function.apply(inputs, self.plans[inputs.device]).to(inputs.dtype)

    def extra_repr(self) -> str:
        return f"output_size={self.size}, {self.method} (TensorFlow's half-pixel kernel, in float32)"
