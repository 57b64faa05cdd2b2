"""TensorFlow's ``ImageProjectiveTransformV3`` CPU kernel on (N, H, W, C), batched in torch:
what Keras 3's RandomRotation, RandomZoom and RandomTranslation call on TensorFlow
(``keras.src.backend.tensorflow.image.affine_transform``), and the gradient TensorFlow
registers for it.

What the kernel does, and so what this does (``tensorflow/core/kernels/image/image_ops.h``):

- each image has eight float32 numbers ``a0 a1 a2 b0 b1 b2 c0 c1`` taking an output pixel
  (x = column, y = row) to the input point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
  with ``k = c0 x + c1 y + 1``, evaluated in float32 left to right (a zero ``k`` reads the fill
  value);
- the point is moved into the image by the fill mode, per axis, in float32: "reflect"
  ``[dcba|abcd|dcba]``, "wrap" (TensorFlow's own rule: shifts by the length but counts
  periods of ``length - 1``), "nearest" (clamped), "constant" (left where it is); every mode
  but "constant" then clamps it to ``[0, length - 1]``;
- "nearest" reads the pixel at ``round`` (half away from zero) of each coordinate;
  "bilinear" reads the four pixels around the point, each as float32, and combines them as
  ``(x1 - x) f(x0) + (x - x0) f(x1)`` per row, then the rows alike; a pixel outside the image
  reads the fill value (only "constant" reaches one with a non-zero weight);
- "bilinear" computes in float32 for any image dtype, the result cast back once: Keras's
  float64 model interpolates in float32 too, and the port does the same, or its float64
  results would not be Keras's; "nearest" copies pixels in the image's own dtype.

The gradient TensorFlow registers (``image_grad.py``) is not the adjoint of this map: it
transforms the incoming gradient by the inverse matrices (float32 ``matrix_inverse``), with the
same interpolation and fill mode and fill value 0. ``ProjectiveTransform`` reproduces that rule.
"""

from __future__ import annotations

import torch

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _map_reflect(coordinate: torch.Tensor, length: int) -> torch.Tensor:
    if length <= 1:
        return torch.zeros_like(coordinate)
    period = 2 * length
    below = coordinate < 0
    # Negative side: fold whole periods off (only when within one period, as the kernel
    # guards it), then mirror.
    folded = torch.where(coordinate < period, period * torch.trunc(-coordinate / period) + coordinate, coordinate)
    negative = torch.where(folded < -length, folded + period, -folded - 1)
    above_end = coordinate > length - 1
    wrapped = coordinate - period * torch.trunc(coordinate / period)
    positive = torch.where(wrapped >= length, period - wrapped - 1, wrapped)
    mapped = torch.where(below, negative, torch.where(above_end, positive, coordinate))
    return mapped.clamp(0.0, float(length - 1))


def _map_wrap(coordinate: torch.Tensor, length: int) -> torch.Tensor:
    if length <= 1:
        return torch.zeros_like(coordinate)
    span = length - 1
    negative = coordinate + length * (torch.trunc(-coordinate / span) + 1)
    positive = coordinate - length * torch.trunc(coordinate / span)
    mapped = torch.where(coordinate < 0, negative, torch.where(coordinate > length - 1, positive, coordinate))
    return mapped.clamp(0.0, float(length - 1))


def map_coordinate(coordinate: torch.Tensor, length: int, fill_mode: str) -> torch.Tensor:
    """The kernel's ``MapCoordinate``: a float32 coordinate moved by the fill mode."""
    if fill_mode == "reflect":
        return _map_reflect(coordinate, length)
    if fill_mode == "wrap":
        return _map_wrap(coordinate, length)
    if fill_mode == "nearest":
        return coordinate.clamp(0.0, float(length - 1))
    return coordinate


def round_half_away(values: torch.Tensor) -> torch.Tensor:
    """C's ``std::round`` (torch.round rounds halves to even)."""
    whole = torch.trunc(values)
    return whole + torch.where((values - whole).abs() >= 0.5, torch.sign(values), torch.zeros_like(values))


def _read(flat_images: torch.Tensor, rows: torch.Tensor, columns: torch.Tensor, height: int, width: int, fill_value: torch.Tensor) -> torch.Tensor:
    """Pixels at integer (row, column) per output pixel, the fill value outside the image:
    (N, H*W) indices -> (N, H*W, C) float32 values."""
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    index = (rows.clamp(0, height - 1) * width + columns.clamp(0, width - 1)).long()
    channels = flat_images.shape[-1]
    values = torch.gather(flat_images, 1, index.unsqueeze(-1).expand(-1, -1, channels))
    return torch.where(inside.unsqueeze(-1), values, fill_value)


def projective_transform(images: torch.Tensor, transforms: torch.Tensor, interpolation: str = "bilinear", fill_mode: str = "constant", fill_value: float = 0.0) -> torch.Tensor:
    """``ImageProjectiveTransformV3(images, transforms, output_shape=(H, W))``: ``images``
    (N, H, W, C) of any float dtype, ``transforms`` (N, 8) (cast to float32, as Keras does)."""
    count, height, width, channels = images.shape
    device = images.device
    transform = transforms.to(torch.float32).reshape(count, 8, 1)
    a0, a1, a2, b0, b1, b2, c0, c1 = transform.unbind(1)  # each (N, 1)
    rows = torch.arange(height, device=device, dtype=torch.float32).repeat_interleave(width).unsqueeze(0)
    columns = torch.arange(width, device=device, dtype=torch.float32).repeat(height).unsqueeze(0)
    projection = c0 * columns + c1 * rows + 1.0
    input_x = (a0 * columns + a1 * rows + a2) / projection
    input_y = (b0 * columns + b1 * rows + b2) / projection
    x = map_coordinate(input_x, width, fill_mode)
    y = map_coordinate(input_y, height, fill_mode)
    # The op takes the fill value as a float32, then as the image dtype. "nearest" copies
    # pixels in the image's dtype; "bilinear" reads them (and the fill value) as float32.
    arithmetic = images.dtype if interpolation == "nearest" else torch.float32
    fill = torch.tensor(fill_value, dtype=torch.float32, device=device).to(images.dtype).to(arithmetic)
    flat = images.reshape(count, height * width, channels).to(arithmetic)
    if interpolation == "nearest":
        result = _read(flat, round_half_away(y), round_half_away(x), height, width, fill)
    else:
        y_floor, x_floor = torch.floor(y), torch.floor(x)
        y_ceil, x_ceil = y_floor + 1, x_floor + 1
        left, right = (x_ceil - x).unsqueeze(-1), (x - x_floor).unsqueeze(-1)
        top = left * _read(flat, y_floor, x_floor, height, width, fill) + right * _read(flat, y_floor, x_ceil, height, width, fill)
        bottom = left * _read(flat, y_ceil, x_floor, height, width, fill) + right * _read(flat, y_ceil, x_ceil, height, width, fill)
        result = (y_ceil - y).unsqueeze(-1) * top + (y - y_floor).unsqueeze(-1) * bottom
    result = torch.where((projection == 0).unsqueeze(-1), fill, result)
    return result.reshape(count, height, width, channels).to(images.dtype)


def _eigen_inverse(matrices: torch.Tensor) -> torch.Tensor:
    """(N, 3, 3) float32 inverses as TensorFlow's ``MatrixInverse`` computes them: Eigen's
    ``PartialPivLU`` (the first largest pivot, the column below it divided by it, a rank-one
    update), then ``inverse()``: the permuted identity solved by the unit lower factor, then the
    upper one, each row from the rows solved before it in order, the upper solve multiplying by
    the diagonal's reciprocal (Eigen's triangular solver on row-major matrices)."""
    lu = matrices.clone()
    count, size = lu.shape[0], lu.shape[1]
    batch = torch.arange(count, device=lu.device)
    order = torch.arange(size, device=lu.device).repeat(count, 1)
    for k in range(size):
        pivot = k + lu[:, k:, k].abs().argmax(dim=1)
        rows_k, rows_pivot = lu[batch, k].clone(), lu[batch, pivot].clone()
        lu[batch, k], lu[batch, pivot] = rows_pivot, rows_k
        order_k, order_pivot = order[batch, k].clone(), order[batch, pivot].clone()
        order[batch, k], order[batch, pivot] = order_pivot, order_k
        lu[:, k + 1:, k] = lu[:, k + 1:, k] / lu[:, k, k : k + 1]
        lu[:, k + 1:, k + 1:] = lu[:, k + 1:, k + 1:] - lu[:, k + 1:, k : k + 1] * lu[:, k : k + 1, k + 1:]
    identity = torch.eye(size, dtype=lu.dtype, device=lu.device)
    solution = identity[order]  # P times the identity: row i is the identity's row order[i]
    rows = [solution[:, i] for i in range(size)]
    for j in range(size):
        for k in range(j):
            rows[j] = rows[j] - rows[k] * lu[:, j, k : k + 1]
    for j in reversed(range(size)):
        for k in range(j + 1, size):
            rows[j] = rows[j] - rows[k] * lu[:, j, k : k + 1]
        rows[j] = rows[j] * (1.0 / lu[:, j, j : j + 1])
    return torch.stack(rows, dim=1)


def inverse_transforms(transforms: torch.Tensor) -> torch.Tensor:
    """The flat transforms of the inverse matrices, as TensorFlow's gradient computes them
    (``flat_transforms_to_matrices``, float32 ``matrix_inverse``, each divided by its last entry)."""
    flat = transforms.to(torch.float32)
    ones = torch.ones(flat.shape[0], 1, dtype=torch.float32, device=flat.device)
    inverse = _eigen_inverse(torch.cat([flat, ones], dim=1).reshape(-1, 3, 3)).reshape(-1, 9)
    return (inverse / inverse[:, 8:9])[:, :8]


class ProjectiveTransform(torch.autograd.Function):
    """The forward kernel; backward: TensorFlow's registered gradient (module docstring)."""

    @staticmethod
    def forward(ctx, images, transforms, interpolation, fill_mode, fill_value):
        ctx.save_for_backward(transforms)
        ctx.settings = (interpolation, fill_mode)
        return projective_transform(images, transforms, interpolation, fill_mode, fill_value)

    @staticmethod
    def backward(ctx, gradient):
        (transforms,) = ctx.saved_tensors
        interpolation, fill_mode = ctx.settings
        return projective_transform(gradient, inverse_transforms(transforms), interpolation, fill_mode, 0.0), None, None, None, None


def transform_images(images: torch.Tensor, transforms: torch.Tensor, interpolation: str, fill_mode: str, fill_value: float) -> torch.Tensor:
    """Keras's ``affine_transform`` on TensorFlow, differentiable as TensorFlow differentiates it."""
    return ProjectiveTransform.apply(images, transforms, interpolation, fill_mode, fill_value)
