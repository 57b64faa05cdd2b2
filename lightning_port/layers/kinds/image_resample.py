"""TensorFlow's other resize kernels on (N, H, W, C), reproduced operation for operation:
``ResizeNearestNeighbor`` (half-pixel centres), ``ResizeArea``, and ``ScaleAndTranslate`` (what
``tf.image.resize`` runs for "lanczos3", "lanczos5" and for ``antialias=True``). No kind is
defined here (``resizing.py`` uses these; ``image_resize.py`` has bilinear and bicubic).

What the kernels do, and so what this does:

- nearest: source index ``min(floor((i + 0.5) * in / out), in - 1)`` in float32; the values
  are copied (the input's dtype kept). Its gradient (``ResizeNearestNeighborGrad``) adds each
  output pixel's gradient to its source pixel, output pixels in row-major order.
- area: each output pixel is the average of the input cells it covers, in float32: per
  covered row, the row's first cell times its covered fraction, the whole cells, the last
  cell times its fraction, added left to right; the rows times their fractions added top to
  bottom; the total times ``1 / (height_scale * width_scale)``. TensorFlow registers no
  gradient for it: a model that needs one (Resizing(area) after trainable layers) cannot be
  trained by Keras, and the port refuses the backward pass alike.
- scale and translate: per output position a span of source positions and float32 weights
  (the kernel at ``(source + 0.5 - sample) / kernel_scale``, ``sample = (i + 0.5) / scale``,
  normalised by their float32 sum); the kernel is stretched by ``1 / scale`` when shrinking
  with ``antialias``. The rows are gathered first (each output row the weighted sum of its
  span's rows, in order, from 0), then the columns. Its gradient (``ScaleAndTranslateGrad``)
  gathers the incoming gradient with the transposed spans, rows then columns, each source
  position's output positions in increasing order.

All of it computes in float32 whatever the input dtype (the kernels read float32 and write
float32); the result is cast back to the input's dtype, as Keras casts it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math

import numpy as np
import torch
from torch import nn

FLOAT32_SMALLEST_NORMAL = np.finfo(np.float32).tiny
_PI = np.float32(3.14159265359)  # the kernels' kPI, a float constant


def resize_scale(in_size: int, out_size: int) -> np.float32:
    return np.float32(in_size) / np.float32(out_size)


# ---- nearest ----

def nearest_indices(in_size: int, out_size: int) -> torch.Tensor:
    scale = resize_scale(in_size, out_size)
    return torch.tensor([max(0, min(int(np.floor((np.float32(i) + np.float32(0.5)) * scale)), in_size - 1)) for i in range(out_size)])


class _Nearest(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, rows, columns):
        ctx.save_for_backward(rows, columns)
        ctx.input_shape = inputs.shape
        return inputs[:, rows][:, :, columns]

    @staticmethod
    def backward(ctx, gradient):
        rows, columns = ctx.saved_tensors
        batch, height, width, depth = ctx.input_shape
        targets = (rows[:, None] * width + columns[None, :]).reshape(-1)
        result = torch.zeros(batch, height * width, depth, dtype=gradient.dtype, device=gradient.device)
        result.index_add_(1, targets, gradient.reshape(batch, -1, depth))
        return result.reshape(ctx.input_shape), None, None


# ---- area ----

def _covered(index: int, start: np.float32, end: np.float32, scale: np.float32) -> np.float32:
    """The fraction of source cell ``index`` that the output cell [start, end) covers."""
    cell = np.float32(index)
    if cell < start:
        return scale if cell + 1 > end else np.float32(cell + 1 - start)
    return np.float32(end - cell) if cell + 1 > end else np.float32(1.0)


def _area_taps(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output position, the covered source indices (bounded) and float32 weights in the
    kernel's order (first fraction, whole cells as 1, last fraction), padded with weight 0
    (the same rule for rows and columns: a whole cell's weight 1 multiplies exactly)."""
    scale = resize_scale(in_size, out_size)
    rows = []
    for position in range(out_size):
        start_f, end_f = np.float32(position) * scale, np.float32(position + 1) * scale
        start, end = int(np.floor(start_f)), int(np.ceil(end_f))
        taps = [(start, _covered(start, start_f, end_f, scale))]
        if start + 1 != end:
            taps += [(index, np.float32(1.0)) for index in range(start + 1, end - 1)]
            taps.append((end - 1, _covered(end - 1, start_f, end_f, scale)))
        rows.append([(min(max(index, 0), in_size - 1), weight) for index, weight in taps])
    width = max(len(taps) for taps in rows)
    indices = np.array([[index for index, _ in taps] + [0] * (width - len(taps)) for taps in rows])
    weights = np.array([[weight for _, weight in taps] + [0.0] * (width - len(taps)) for taps in rows], dtype=np.float32)
    return indices, weights


class _Area(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, plan):
        image = inputs.to(torch.float32)
        total = None
        for tap in range(plan.row_indices.shape[1]):
            row = image[:, plan.row_indices[:, tap]]  # (N, out_h, W, C)
            row_sum = row[:, :, plan.column_indices[:, 0]] * plan.column_weights[:, 0].view(1, 1, -1, 1)
            for column_tap in range(1, plan.column_indices.shape[1]):
                row_sum = row_sum + row[:, :, plan.column_indices[:, column_tap]] * plan.column_weights[:, column_tap].view(1, 1, -1, 1)
            term = row_sum * plan.row_weights[:, tap].view(1, -1, 1, 1)
            total = term if total is None else total + term
        return total * plan.scale

    @staticmethod
    def backward(ctx, gradient):
        raise RuntimeError("Resizing(interpolation='area'): TensorFlow registers no gradient for ResizeArea, so Keras cannot train a model that needs one (a Resizing(area) after trainable layers); the port refuses it alike")


# ---- scale and translate (lanczos, antialias) ----

@functools.cache
def _sinf():
    """The C library's float ``sinf``, which TensorFlow's kernel calls (glibc's is not
    correctly rounded: a double ``sin`` rounded to float differs in the last bit at times)."""
    path = ctypes.util.find_library("m")
    library = ctypes.CDLL(path) if path else None
    if library is None or not hasattr(library, "sinf"):
        return lambda value: np.float32(math.sin(float(value)))
    function = library.sinf
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    return lambda value: np.float32(function(float(value)))


def _lanczos(radius: float):
    radius32 = np.float32(radius)
    sinf = _sinf()

    def kernel(x: np.float32) -> np.float32:
        x = np.float32(abs(x))
        if x > radius32:
            return np.float32(0.0)
        if x <= np.float32(1e-3):
            return np.float32(1.0)
        first = sinf(np.float32(_PI * x))
        second = sinf(np.float32(np.float32(_PI * x) / radius32))
        return np.float32(np.float32(radius32 * first) * second) / np.float32(np.float32(np.float32(_PI * _PI) * x) * x)

    return kernel, radius32


def _triangle(x: np.float32) -> np.float32:
    x = np.float32(abs(x))
    return np.float32(np.float32(1.0) - x) if x < np.float32(1.0) else np.float32(0.0)


def _keys_cubic(x: np.float32) -> np.float32:
    x = np.float32(abs(x))
    if x >= np.float32(2.0):
        return np.float32(0.0)
    if x >= np.float32(1.0):
        return np.float32(np.float32(np.float32(np.float32(np.float32(-0.5) * x) + np.float32(2.5)) * x - np.float32(4.0)) * x) + np.float32(2.0)
    return np.float32(np.float32(np.float32(np.float32(1.5) * x) - np.float32(2.5)) * x * x) + np.float32(1.0)


KERNELS = {
    "lanczos3": lambda: _lanczos(3.0),
    "lanczos5": lambda: _lanczos(5.0),
    "triangle": lambda: (_triangle, np.float32(1.0)),
    "keyscubic": lambda: (_keys_cubic, np.float32(2.0)),
}


def scale_spans(kernel_name: str, in_size: int, out_size: int, antialias: bool) -> tuple[np.ndarray, np.ndarray]:
    """``ComputeSpansCore``: (out, span) source indices (start + j) and float32 weights."""
    kernel, radius = KERNELS[kernel_name]()
    scale = np.float32(np.float32(out_size) / np.float32(in_size))
    inverse_scale = np.float32(1.0 / float(scale))
    inverse_translate = np.float32(-inverse_scale * np.float32(0.0))
    kernel_scale = max(inverse_scale, np.float32(1.0)) if antialias else np.float32(1.0)
    span_size = min(2 * int(math.ceil(float(np.float32(radius * kernel_scale)))) + 1, in_size)
    one_over_kernel_scale = np.float32(np.float32(1.0) / kernel_scale)
    starts, weights = np.zeros(out_size, dtype=np.int64), np.zeros((out_size, span_size), dtype=np.float32)
    for position in range(out_size):
        sample = np.float32(np.float32(np.float32(position) + np.float32(0.5)) * inverse_scale) + inverse_translate
        if sample < 0 or sample > in_size:
            continue
        reach = np.float32(radius * kernel_scale)
        start = int(math.ceil(float(np.float32(np.float32(sample - reach) - np.float32(0.5)))))
        end = int(math.floor(float(np.float32(np.float32(sample + reach) - np.float32(0.5)))))
        start = min(max(start, 0), in_size - 1)
        end = min(max(end, 0), in_size - 1) + 1
        values, total = [], np.float32(0.0)
        for source in range(start, end):
            position_in_kernel = np.float32(np.float32(np.float32(source) + np.float32(0.5)) - sample)
            value = kernel(np.float32(abs(np.float32(position_in_kernel * one_over_kernel_scale))))
            total = np.float32(total + value)
            values.append(value)
        if abs(total) >= np.float32(1000.0) * FLOAT32_SMALLEST_NORMAL:
            reciprocal = np.float32(np.float32(1.0) / total)
            weights[position, : len(values)] = [np.float32(value * reciprocal) for value in values]
        starts[position] = start
    return starts, weights


def gradient_spans(starts: np.ndarray, weights: np.ndarray, in_size: int) -> tuple[np.ndarray, np.ndarray]:
    """``ComputeGradSpansCore``: per source position, the output positions that read it (a
    contiguous range from the first, weights 0 in its gaps), in increasing order."""
    components: list[list[tuple[int, np.float32]]] = [[] for _ in range(in_size)]
    for output, start in enumerate(starts):
        for offset, weight in enumerate(weights[output]):
            if weight != 0.0 and start + offset < in_size:
                components[start + offset].append((output, weight))
    span = max((items[-1][0] - items[0][0] + 1 for items in components if items), default=0)
    grad_starts, grad_weights = np.zeros(in_size, dtype=np.int64), np.zeros((in_size, max(span, 1)), dtype=np.float32)
    for source, items in enumerate(components):
        if items:
            grad_starts[source] = items[0][0]
            for output, weight in items:
                grad_weights[source, output - items[0][0]] = np.float32(grad_weights[source, output - items[0][0]] + weight)
    return grad_starts, grad_weights


def _span_indices(starts: np.ndarray, width: int, in_size: int) -> torch.Tensor:
    """Each span's source indices; beyond the image (ComputeSpanSize cuts the span there)
    the index is clamped and its weight zeroed by ``_span_weights``."""
    return torch.from_numpy(np.minimum(starts[:, None] + np.arange(width)[None, :], in_size - 1))


def _span_weights(starts: np.ndarray, weights: np.ndarray, in_size: int) -> torch.Tensor:
    inside = starts[:, None] + np.arange(weights.shape[1])[None, :] < in_size
    return torch.from_numpy(np.where(inside, weights, np.float32(0.0)).astype(np.float32))


def gather_spans(image: torch.Tensor, rows, columns) -> torch.Tensor:
    """``GatherSpans``: rows first, then columns; each output the weighted sum of its span
    from 0, in order, in float32."""
    row_indices, row_weights = rows
    column_indices, column_weights = columns
    intermediate = torch.zeros(image.shape[0], row_indices.shape[0], image.shape[2], image.shape[3], dtype=torch.float32, device=image.device)
    for tap in range(row_indices.shape[1]):
        intermediate = intermediate + row_weights[:, tap].view(1, -1, 1, 1) * image[:, row_indices[:, tap]]
    output = torch.zeros(image.shape[0], row_indices.shape[0], column_indices.shape[0], image.shape[3], dtype=torch.float32, device=image.device)
    for tap in range(column_indices.shape[1]):
        output = output + column_weights[:, tap].view(1, 1, -1, 1) * intermediate[:, :, column_indices[:, tap]]
    return output


class _ScaleAndTranslate(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, plan):
        ctx.plan = plan
        return gather_spans(inputs.to(torch.float32), plan.rows, plan.columns)

    @staticmethod
    def backward(ctx, gradient):
        plan = ctx.plan
        return gather_spans(gradient.to(torch.float32), plan.gradient_rows, plan.gradient_columns), None


class _Plan:
    """Tables computed once per shape, kept per device (plain attributes: no weights)."""

    def __init__(self, **tables):
        self.__dict__.update(tables)

    def to(self, device):
        def move(value):
            if isinstance(value, torch.Tensor):
                return value.to(device)
            if isinstance(value, tuple):
                return tuple(move(item) for item in value)
            return value

        return _Plan(**{key: move(value) for key, value in self.__dict__.items()})


class TensorFlowResample(nn.Module):
    """Resizing (N, H, W, C) to ``output_size`` with TensorFlow's nearest, area or scale and
    translate kernel (``method``: "nearest", "area", or a ``KERNELS`` name)."""

    def __init__(self, input_shape, output_size: tuple[int, int], method: str, antialias: bool = False):
        super().__init__()
        height, width = input_shape[0], input_shape[1]
        self.output_size, self.method, self.antialias = tuple(output_size), method, antialias
        out_height, out_width = self.output_size
        if method == "nearest":
            plan = _Plan(rows=nearest_indices(height, out_height), columns=nearest_indices(width, out_width))
        elif method == "area":
            row_indices, row_weights = _area_taps(height, out_height)
            column_indices, column_weights = _area_taps(width, out_width)
            scale = np.float32(1.0 / float(np.float32(resize_scale(height, out_height) * resize_scale(width, out_width))))
            plan = _Plan(
                row_indices=torch.from_numpy(row_indices), row_weights=torch.from_numpy(row_weights),
                column_indices=torch.from_numpy(column_indices), column_weights=torch.from_numpy(column_weights), scale=float(scale),
            )
        else:
            row_starts, row_weights = scale_spans(method, height, out_height, antialias)
            column_starts, column_weights = scale_spans(method, width, out_width, antialias)
            gradient_row_starts, gradient_row_weights = gradient_spans(row_starts, row_weights, height)
            gradient_column_starts, gradient_column_weights = gradient_spans(column_starts, column_weights, width)
            plan = _Plan(
                rows=(_span_indices(row_starts, row_weights.shape[1], height), _span_weights(row_starts, row_weights, height)),
                columns=(_span_indices(column_starts, column_weights.shape[1], width), _span_weights(column_starts, column_weights, width)),
                gradient_rows=(_span_indices(gradient_row_starts, gradient_row_weights.shape[1], out_height), _span_weights(gradient_row_starts, gradient_row_weights, out_height)),
                gradient_columns=(_span_indices(gradient_column_starts, gradient_column_weights.shape[1], out_width), _span_weights(gradient_column_starts, gradient_column_weights, out_width)),
            )
        self.plans = {torch.device("cpu"): plan}

    def forward(self, inputs):
        if inputs.device not in self.plans:
            self.plans[inputs.device] = self.plans[torch.device("cpu")].to(inputs.device)
        plan = self.plans[inputs.device]
        if self.method == "nearest":
            return _Nearest.apply(inputs, plan.rows, plan.columns)
        if self.method == "area":
            return _Area.apply(inputs, plan).to(inputs.dtype)
        return _ScaleAndTranslate.apply(inputs, plan).to(inputs.dtype)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, {self.method}{', antialias' if self.antialias else ''} (TensorFlow's kernel, in float32)"
