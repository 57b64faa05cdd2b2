"""Keras behaviour that cifar_cnn needs and torch does not give (exported by lightning-port, scripts/export.py).

Each definition says what Keras computes differently from torch's own layer, loss or optimizer,
and why it matters: these are the lines that make the port compute what the Keras listing does."""

import numpy as np
import torch
import torch.nn.functional as F


class KerasAdam(torch.optim.Optimizer):
    """keras.optimizers.Adam, whose update torch.optim.Adam's is not: Keras folds both bias
    corrections into the step size, alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), and adds
    epsilon to the uncorrected sqrt(v); torch adds it to the bias-corrected one."""

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
        super().__init__(params, {"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon})

    @staticmethod
    def step_size(group, step, parameter):
        """alpha as Keras computes it on TensorFlow: in the weights' dtype, the betas rounded to
        float32 first (ops.cast), the powers by the C library's pow, which torch's pow calls for a
        0-d tensor (numpy's float32 power differs in the last bit for about 1% of steps)."""
        real = np.float64 if parameter.dtype == torch.float64 else np.float32
        beta_1 = torch.tensor(real(np.float32(group["beta_1"])).item(), dtype=parameter.dtype)
        beta_2 = torch.tensor(real(np.float32(group["beta_2"])).item(), dtype=parameter.dtype)
        t = torch.tensor(float(step), dtype=parameter.dtype)
        beta_1_power, beta_2_power = real((beta_1**t).item()), real((beta_2**t).item())
        return real(group["lr"]) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            parameters = [parameter for parameter in group["params"] if parameter.grad is not None]
            for parameter in parameters:
                state = self.state[parameter]
                if not state:
                    state.update(step=0, momentum=torch.zeros_like(parameter), velocity=torch.zeros_like(parameter))
                state["step"] += 1
            if not parameters:
                continue
            alpha = float(self.step_size(group, self.state[parameters[0]]["step"], parameters[0]))
            for parameter in parameters:
                state, gradient = self.state[parameter], parameter.grad
                # m += (g - m) * (1 - beta_1), v += (g^2 - v) * (1 - beta_2); w -= m * alpha / (sqrt(v) + epsilon)
                state["momentum"].lerp_(gradient, 1 - group["beta_1"])
                state["velocity"].lerp_(gradient * gradient, 1 - group["beta_2"])
                parameter.sub_(state["momentum"] * alpha / (state["velocity"].sqrt() + group["epsilon"]))
        return loss


def random_transform(images, rotation_range, width_shift_range, height_shift_range, horizontal_flip, generator=None):
    """Keras's ImageDataGenerator(rotation_range, width_shift_range, height_shift_range,
    horizontal_flip, fill_mode="nearest").random_transform on a channels-last batch, image by
    image. torchvision's transforms draw one set of parameters per batch, round shifts to whole
    pixels and cannot replicate edges; this draws per image (degrees in +-rotation_range, shifts
    as fractions of the size, a flip with probability 1/2), builds Keras's matrix (rotation @
    shift, about the image centre, rows and columns as Keras orders them), samples bilinearly
    with edge replication in float64 as scipy.ndimage does, and flips after the transform."""
    count, height, width, _ = images.shape
    if not count:
        return images

    def uniform(limit):
        return (torch.rand(count, device=images.device, dtype=torch.float64, generator=generator) * 2 - 1) * limit

    theta = torch.deg2rad(uniform(rotation_range))
    shift_rows, shift_columns = uniform(height_shift_range) * height, uniform(width_shift_range) * width
    flip = (torch.rand(count, device=images.device, generator=generator) < 0.5) & horizontal_flip
    cos, sin, zeros, ones = torch.cos(theta), torch.sin(theta), torch.zeros_like(theta), torch.ones_like(theta)
    rotation = torch.stack([
        torch.stack([cos, -sin, zeros], -1), torch.stack([sin, cos, zeros], -1), torch.stack([zeros, zeros, ones], -1)
    ], 1)
    shift = torch.eye(3, dtype=torch.float64, device=images.device).repeat(count, 1, 1)
    shift[:, 0, 2], shift[:, 1, 2] = shift_rows, shift_columns
    center_row, center_column = height / 2 - 0.5, width / 2 - 0.5
    to_center = torch.tensor([[1, 0, center_row], [0, 1, center_column], [0, 0, 1]], dtype=torch.float64)
    from_center = torch.tensor([[1, 0, -center_row], [0, 1, -center_column], [0, 0, 1]], dtype=torch.float64)
    matrices = to_center.to(images.device) @ (rotation @ shift) @ from_center.to(images.device)
    matrices = matrices[:, [1, 0, 2]][:, :, [1, 0, 2]]  # Keras swaps rows and columns for channels-last arrays
    rows = torch.arange(height, dtype=torch.float64, device=images.device)
    columns = torch.arange(width, dtype=torch.float64, device=images.device)
    grid_rows, grid_columns = torch.meshgrid(rows, columns, indexing="ij")
    points = torch.stack([grid_rows, grid_columns, torch.ones_like(grid_rows)], dim=-1).reshape(-1, 3)
    sources = points @ matrices[:, :2, :].transpose(1, 2)  # each output pixel's (row, column) in the input
    grid = torch.stack([2 * sources[..., 1] / (width - 1) - 1, 2 * sources[..., 0] / (height - 1) - 1], dim=-1)
    grid = grid.reshape(count, height, width, 2)
    channels_first = images.permute(0, 3, 1, 2).double()
    sampled = F.grid_sample(channels_first, grid, mode="bilinear", padding_mode="border", align_corners=True)
    transformed = sampled.permute(0, 2, 3, 1).to(images.dtype)
    return torch.where(flip.view(count, 1, 1, 1), transformed.flip(2), transformed).contiguous()
