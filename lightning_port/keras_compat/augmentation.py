"""Keras ``ImageDataGenerator`` rotation/shift/flip, batched on the model's device.

``torchvision.transforms.v2`` on a batch draws one set of parameters for the whole batch,
rounds translations to whole pixels and cannot replicate edges. This module reproduces
``ImageDataGenerator.random_transform`` instead:

* per-image parameters: theta ~ U(-rotation_range, rotation_range) degrees,
  tx ~ U(-h, h) * height, ty ~ U(-w, w) * width (continuous), flip with probability 1/2;
* the same 3x3 matrix Keras builds (``apply_affine_transform``: rotation @ shift, moved to
  the image centre with ``transform_matrix_offset_center``, then the x/y axis swap Keras
  applies for channels-last arrays), mapping output pixel coordinates to input ones;
* bilinear sampling with edge replication (``scipy.ndimage.affine_transform(order=1,
  mode='nearest')`` == ``grid_sample(mode='bilinear', padding_mode='border',
  align_corners=True)`` on pixel-centre coordinates), in float64 as scipy computes it, then
  rounded once to the images' dtype;
* the horizontal flip applied after the affine transform, as Keras does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.spec import Augmentation


def sample_parameters(
    spec: Augmentation, count: int, height: int, width: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """One independent draw per image, as ``get_random_transform`` makes per image, from
    ``generator`` (the data module's augmentation stream) or torch's global one."""

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(count, device=device, dtype=torch.float64, generator=generator) * 2 - 1) * limit

    return {
        "theta": uniform(spec.rotation_range),
        # Keras names the height shift tx and scales it by the row count, the width shift ty.
        "tx": uniform(spec.height_shift_range) * height,
        "ty": uniform(spec.width_shift_range) * width,
        "flip_horizontal": (torch.rand(count, device=device, generator=generator) < 0.5) & spec.horizontal_flip,
    }


def keras_transform_matrices(theta_degrees: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(N, 3, 3) float64 matrices taking output (row, col, 1) to input (row, col, 1)."""
    count = theta_degrees.shape[0]
    theta = torch.deg2rad(theta_degrees.double())
    cos, sin = torch.cos(theta), torch.sin(theta)
    zeros, ones = torch.zeros_like(cos), torch.ones_like(cos)
    rotation = torch.stack(
        [torch.stack([cos, -sin, zeros], -1), torch.stack([sin, cos, zeros], -1), torch.stack([zeros, zeros, ones], -1)],
        dim=1,
    )
    shift = torch.eye(3, dtype=torch.float64, device=theta.device).repeat(count, 1, 1)
    shift[:, 0, 2] = tx.double()
    shift[:, 1, 2] = ty.double()
    matrix = rotation @ shift
    # transform_matrix_offset_center(matrix, h, w): rotate about the image centre.
    center_x, center_y = height / 2 - 0.5, width / 2 - 0.5
    offset = torch.tensor([[1, 0, center_x], [0, 1, center_y], [0, 0, 1]], dtype=torch.float64, device=theta.device)
    reset = torch.tensor([[1, 0, -center_x], [0, 1, -center_y], [0, 0, 1]], dtype=torch.float64, device=theta.device)
    matrix = offset @ matrix @ reset
    # Keras swaps the first two rows and columns for channels-last (col_axis > row_axis).
    permutation = [1, 0, 2]
    return matrix[:, permutation][:, :, permutation]


def apply_transform(images: torch.Tensor, parameters: dict[str, torch.Tensor]) -> torch.Tensor:
    """Transform a channels-last float batch (N, H, W, C), Keras's layout, with the given
    per-image parameters."""
    count, height, width, _ = images.shape
    matrices = keras_transform_matrices(parameters["theta"], parameters["tx"], parameters["ty"], height, width)
    rows = torch.arange(height, dtype=torch.float64, device=images.device)
    columns = torch.arange(width, dtype=torch.float64, device=images.device)
    grid_rows, grid_columns = torch.meshgrid(rows, columns, indexing="ij")
    output_points = torch.stack([grid_rows, grid_columns, torch.ones_like(grid_rows)], dim=-1).reshape(-1, 3)
    input_points = output_points @ matrices[:, :2, :].transpose(1, 2)  # (N, H*W, 2): (row, col)
    # grid_sample wants (x, y) = (col, row) in [-1, 1], pixel centres at the ends.
    normalized = torch.stack(
        [2 * input_points[..., 1] / (width - 1) - 1, 2 * input_points[..., 0] / (height - 1) - 1], dim=-1
    )
    grid = normalized.reshape(count, height, width, 2)
    assert keras_defaults.AUGMENTATION_INTERPOLATION_ORDER_KERAS_DEFAULT == 1  # bilinear
    # float64 throughout, as scipy.ndimage interpolates, then one rounding to the input dtype:
    # a float32 grid alone would move sampling points by ~1e-6 of the image size.
    channels_first = images.permute(0, 3, 1, 2).double()  # grid_sample takes (N, C, H, W)
    transformed = F.grid_sample(channels_first, grid, mode="bilinear", padding_mode="border", align_corners=True)
    transformed = transformed.permute(0, 2, 3, 1).to(images.dtype)
    flip = parameters["flip_horizontal"].view(count, 1, 1, 1)
    return torch.where(flip, transformed.flip(2), transformed)  # the width axis


class BatchAugmentation(torch.nn.Module):
    """Random per-image augmentation for a channels-last batch, on the batch's device."""

    def __init__(self, spec: Augmentation):
        super().__init__()
        if spec.fill_mode != "nearest":
            raise ValueError(f"only fill_mode='nearest' is implemented, got {spec.fill_mode!r}")
        self.spec = spec

    def forward(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        count, height, width, _ = images.shape
        if not count:
            return images
        parameters = sample_parameters(self.spec, count, height, width, images.device, generator)
        # Contiguous channels-last, like every other batch: the interpolation hands back a
        # channels-first memory layout, and Dropout draws its mask in memory order, so the
        # layout would change which activations it drops (and make K-batch executions, which
        # concatenate, differ from single steps).
        return apply_transform(images, parameters).contiguous()


def identity_parameters(count: int) -> dict[str, torch.Tensor]:
    zeros = torch.zeros(count, dtype=torch.float64)
    return {"theta": zeros, "tx": zeros, "ty": zeros, "flip_horizontal": torch.zeros(count, dtype=torch.bool)}


__all__ = ["BatchAugmentation", "apply_transform", "keras_transform_matrices", "sample_parameters", "identity_parameters"]
