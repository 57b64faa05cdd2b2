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


def _map_reflect(coordinate: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    period = 2 * length
    # Negative side: fold whole periods off (the kernel's guard ``in < 2 len`` always holds
    # there), then mirror; beyond the end: fold, then mirror what lies past the end.
    folded = period * torch.trunc(-coordinate / period) + coordinate
    negative = torch.where(folded < -length, folded + period, -folded - 1)
    wrapped = coordinate - period * torch.trunc(coordinate / period)
    positive = torch.where(wrapped >= length, period - wrapped - 1, wrapped)
    return torch.where(coordinate < 0, negative, torch.where(coordinate > length - 1, positive, coordinate))


def _map_wrap(coordinate: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    span = length - 1
    negative = coordinate + length * (torch.trunc(-coordinate / span) + 1)
    positive = coordinate - length * torch.trunc(coordinate / span)
    return torch.where(coordinate < 0, negative, torch.where(coordinate > length - 1, positive, coordinate))


def map_coordinate(coordinate: torch.Tensor, length: torch.Tensor, fill_mode: str) -> torch.Tensor:
    """The kernel's ``MapCoordinate``: float32 coordinates moved by the fill mode; ``length``
    (float32, broadcast against them) is each coordinate's axis length."""
    if fill_mode == "constant":
        return coordinate
    last = length - 1
    if fill_mode == "reflect":
        coordinate = _map_reflect(coordinate, length)
    elif fill_mode == "wrap":
        coordinate = _map_wrap(coordinate, length)
    # An axis of one pixel maps everything to 0 (the kernel's len <= 1 branch): the clamp does.
    return torch.minimum(torch.maximum(coordinate, torch.zeros_like(last)), last)


def round_half_away(values: torch.Tensor) -> torch.Tensor:
    """C's ``std::round`` (torch.round rounds halves to even)."""
    whole = torch.trunc(values)
    return whole + torch.where((values - whole).abs() >= 0.5, torch.sign(values), torch.zeros_like(values))


def _index(rows: torch.Tensor, columns: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Flat pixel indices of integer-valued (row, column) coordinates; ``height * width`` (the
    fill value's slot, appended to the image) outside the image."""
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    # Exact in float32 (images of fewer than 2**24 pixels), cheaper than integer arithmetic.
    flat = rows.clamp(0, height - 1) * width + columns.clamp(0, width - 1)
    return torch.where(inside, flat, float(height * width)).long()


def _gather(padded: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """(N, H*W + 1, C) pixels (the last one the fill value) at (N, P) indices: (N, P, C), as
    rows of one flat table (``index_select`` copies whole pixels at once)."""
    count, slots, channels = padded.shape
    offsets = torch.arange(count, device=indices.device).unsqueeze(1) * slots
    return padded.reshape(-1, channels).index_select(0, (indices + offsets).reshape(-1)).reshape(count, -1, channels)


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
    # Both axes at once: (N, 2, H*W), x then y, each with its own length.
    lengths = torch.tensor([float(width), float(height)], device=device).view(1, 2, 1)
    x, y = map_coordinate(torch.stack([input_x, input_y], dim=1), lengths, fill_mode).unbind(1)
    # The op takes the fill value as a float32, then as the image dtype. "nearest" copies
    # pixels in the image's dtype; "bilinear" reads them (and the fill value) as float32.
    arithmetic = images.dtype if interpolation == "nearest" else torch.float32
    fill = torch.tensor(fill_value, dtype=torch.float32, device=device).to(images.dtype).to(arithmetic)
    padded = torch.cat([images.reshape(count, height * width, channels).to(arithmetic), fill.expand(count, 1, channels)], dim=1)
    if interpolation == "nearest":
        result = _gather(padded, _index(round_half_away(y), round_half_away(x), height, width))
    else:
        y_floor, x_floor = torch.floor(y), torch.floor(x)
        y_ceil, x_ceil = y_floor + 1, x_floor + 1
        # The four corners at once: (N, 2 rows, 2 columns, H*W) in the order tl, tr, bl, br.
        corners = _index(torch.stack([y_floor, y_ceil], 1).unsqueeze(2), torch.stack([x_floor, x_ceil], 1).unsqueeze(1), height, width)
        top_left, top_right, bottom_left, bottom_right = _gather(padded, corners.reshape(count, -1)).chunk(4, dim=1)
        left, right = (x_ceil - x).unsqueeze(-1), (x - x_floor).unsqueeze(-1)
        top = left * top_left + right * top_right
        bottom = left * bottom_left + right * bottom_right
        result = (y_ceil - y).unsqueeze(-1) * top + (y - y_floor).unsqueeze(-1) * bottom
    result = result.masked_fill((projection == 0).unsqueeze(-1), fill)
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
