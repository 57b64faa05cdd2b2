"""Torch modules that compute Keras layers on Keras's own tensor layout (channels last).

The backbone keeps every tensor in the layout Keras uses, (N, H, W, C) for images and
(N, steps, C) for sequences, so that Flatten, Reshape, Dense and the normalisations act on
the same positions as in Keras, and Keras weights need no reordering beyond each kernel's own
axes (``keras_compat.weights``). torch's convolution and pooling kernels take channels
first: these modules hand them a permuted *view* whose memory is channels-last, and torch
computes in that memory format and returns a channels-last result, so the permutations back
and forth copy nothing.

Where Keras's arithmetic differs from torch's defaults, the module follows Keras: "same"
padding puts its odd element at the end (torch's symmetric padding cannot), average pooling
leaves padding out of its averages, BatchNormalization keeps Keras's moving statistics.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lightning_port.models.activations import leaky_relu
from lightning_port.spec import layers as spec
from lightning_port.spec.layers import pair, same_padding


def _window_padding(padding: str, sizes, kernels, strides, dilations) -> list[tuple[int, int]]:
    """(before, after) per spatial axis, Keras's rule for "same" and "causal"."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding == "causal":
        return [((kernel - 1) * dilation, 0) for kernel, dilation in zip(kernels, dilations)]
    return [same_padding(size, kernel, stride, dilation) for size, kernel, stride, dilation in zip(sizes, kernels, strides, dilations)]


def _pad_spatial(inputs: torch.Tensor, padding: list[tuple[int, int]], value: float = 0.0) -> torch.Tensor:
    """Pad the spatial axes of a channels-last tensor (F.pad pads the last axes first)."""
    flat = [0, 0]  # the channel axis
    for before, after in reversed(padding):
        flat += [before, after]
    return F.pad(inputs, flat, value=value) if any(flat) else inputs


class ChannelsLastConv2d(nn.Conv2d):
    """``keras.layers.Conv2D`` on (N, H, W, C); the weight stays torch's (out, in, kh, kw)."""

    def __init__(self, in_channels: int, layer: spec.Conv2D, input_shape):
        kernel, strides, dilation = pair(layer.kernel_size), pair(layer.strides), pair(layer.dilation_rate)
        padding = _window_padding(layer.padding, input_shape[:2], kernel, strides, dilation)
        symmetric = all(before == after for before, after in padding)
        # Symmetric padding goes to the convolution itself (no copy); Keras's asymmetric
        # "same" padding is applied explicitly first.
        super().__init__(
            in_channels, layer.filters, kernel, stride=strides, dilation=dilation, bias=layer.use_bias,
            padding=tuple(before for before, _ in padding) if symmetric else 0,
        )
        self.explicit_padding = None if symmetric else padding

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.explicit_padding is not None:
            inputs = _pad_spatial(inputs, self.explicit_padding)
        return super().forward(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class ChannelsLastConv1d(nn.Conv1d):
    """``keras.layers.Conv1D`` on (N, steps, C); weight (out, in, k)."""

    def __init__(self, in_channels: int, layer: spec.Conv1D, input_shape):
        (padding,) = _window_padding(layer.padding, input_shape[:1], [layer.kernel_size], [layer.strides], [layer.dilation_rate])
        symmetric = padding[0] == padding[1]
        super().__init__(
            in_channels, layer.filters, layer.kernel_size, stride=layer.strides, dilation=layer.dilation_rate,
            bias=layer.use_bias, padding=padding[0] if symmetric else 0,
        )
        self.explicit_padding = None if symmetric else [padding]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.explicit_padding is not None:
            inputs = _pad_spatial(inputs, self.explicit_padding)
        return super().forward(inputs.permute(0, 2, 1)).permute(0, 2, 1)


class ChannelsLastPooling(nn.Module):
    """Max or average pooling, 1-D or 2-D, "valid" or "same", on channels-last tensors.

    "same" max pooling pads with -inf (padding never wins); "same" average pooling divides each
    window's sum by the number of real inputs in it, as TensorFlow's pooling does."""

    def __init__(self, layer, input_shape):
        super().__init__()
        self.average = isinstance(layer, (spec.AveragePooling1D, spec.AveragePooling2D))
        self.two_dimensional = isinstance(layer, (spec.MaxPooling2D, spec.AveragePooling2D))
        kernel = pair(layer.pool_size) if self.two_dimensional else (layer.pool_size,)
        strides = pair(layer.strides or layer.pool_size) if self.two_dimensional else (layer.strides or layer.pool_size,)
        self.kernel, self.strides = tuple(kernel), tuple(strides)
        self.padding = _window_padding(layer.padding, input_shape[: len(kernel)], kernel, strides, [1] * len(kernel))
        self.padded = any(before or after for before, after in self.padding)

    def _pool(self, channels_last: torch.Tensor) -> torch.Tensor:
        if self.two_dimensional:
            channels_first = channels_last.permute(0, 3, 1, 2)
            pool = F.avg_pool2d if self.average else F.max_pool2d
            return pool(channels_first, self.kernel, self.strides).permute(0, 2, 3, 1)
        channels_first = channels_last.permute(0, 2, 1)
        pool = F.avg_pool1d if self.average else F.max_pool1d
        return pool(channels_first, self.kernel, self.strides).permute(0, 2, 1)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if not self.padded:
            return self._pool(inputs)
        if not self.average:
            return self._pool(_pad_spatial(inputs, self.padding, value=float("-inf")))
        # mean over real inputs only: pool the zero-padded values and the padded "is real" mask
        real = _pad_spatial(torch.ones_like(inputs[..., :1]), self.padding)
        return self._pool(_pad_spatial(inputs, self.padding)) / self._pool(real)

    def extra_repr(self) -> str:
        kind = "average" if self.average else "max"
        return f"{kind}, kernel={self.kernel}, strides={self.strides}, padding={self.padding}"


class GlobalPooling(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.average = isinstance(layer, (spec.GlobalAveragePooling1D, spec.GlobalAveragePooling2D))
        self.axes = (1, 2) if isinstance(layer, (spec.GlobalAveragePooling2D, spec.GlobalMaxPooling2D)) else (1,)
        self.keepdims = layer.keepdims

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.average:
            return inputs.mean(dim=self.axes, keepdim=self.keepdims)
        return inputs.amax(dim=self.axes, keepdim=self.keepdims)


class Reshape(nn.Module):
    """Flatten and Reshape: Keras's order is the channels-last memory order kept here."""

    def __init__(self, target_shape: tuple[int, ...]):
        super().__init__()
        self.target_shape = tuple(target_shape)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return inputs.reshape(inputs.shape[0], *self.target_shape)


class SpatialDropout(nn.Module):
    """Drops whole channels: one keep-or-drop per (image, channel), as SpatialDropout2D does."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0:
            return inputs
        mask_shape = (inputs.shape[0],) + (1,) * (inputs.dim() - 2) + (inputs.shape[-1],)
        mask = F.dropout(torch.ones(mask_shape, dtype=inputs.dtype, device=inputs.device), self.rate, training=True)
        return inputs * mask


def _moments(inputs: torch.Tensor, dims) -> tuple[torch.Tensor, torch.Tensor]:
    """tf.nn.moments: the mean, and the *biased* variance around the (gradient-stopped) mean."""
    mean = inputs.mean(dim=dims, keepdim=True)
    variance = ((inputs - mean.detach()) ** 2).mean(dim=dims, keepdim=True)
    return mean, variance


def _normalize(inputs, mean, variance, epsilon, gamma, beta):
    """tf.nn.batch_normalization's order of operations: x * inv + (beta - mean * inv)."""
    inverse = torch.rsqrt(variance + epsilon)
    if gamma is not None:
        inverse = inverse * gamma
    shift = -mean * inverse if beta is None else beta - mean * inverse
    return inputs * inverse + shift


class KerasBatchNorm(nn.Module):
    """keras.layers.BatchNormalization(axis=-1): batch statistics in training (biased variance),
    moving statistics updated as ``moving * momentum + batch * (1 - momentum)``, and the moving
    statistics at inference or when the layer is not trainable (Keras 3's frozen-BN rule)."""

    def __init__(self, channels: int, layer: spec.BatchNormalization):
        super().__init__()
        self.momentum, self.epsilon, self.trainable = layer.momentum, layer.epsilon, layer.trainable
        self.gamma = nn.Parameter(torch.ones(channels), requires_grad=layer.trainable) if layer.scale else None
        self.beta = nn.Parameter(torch.zeros(channels), requires_grad=layer.trainable) if layer.center else None
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.training and self.trainable:
            dims = tuple(range(inputs.dim() - 1))
            mean, variance = _moments(inputs, dims)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.reshape(-1).detach() * (1.0 - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(variance.reshape(-1).detach() * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return _normalize(inputs, mean, variance, self.epsilon, self.gamma, self.beta)


class KerasLayerNorm(nn.Module):
    """keras.layers.LayerNormalization(axis=-1), with Keras's (TensorFlow's) arithmetic."""

    def __init__(self, channels: int, layer: spec.LayerNormalization):
        super().__init__()
        self.epsilon = layer.epsilon
        self.gamma = nn.Parameter(torch.ones(channels)) if layer.scale else None
        self.beta = nn.Parameter(torch.zeros(channels)) if layer.center else None

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        mean, variance = _moments(inputs, (-1,))
        return _normalize(inputs, mean, variance, self.epsilon, self.gamma, self.beta)


class KerasReLU(nn.Module):
    """keras.layers.ReLU(max_value, negative_slope, threshold), by Keras's ReLU.static_call."""

    def __init__(self, layer: spec.ReLU):
        super().__init__()
        self.max_value, self.negative_slope, self.threshold = layer.max_value, layer.negative_slope, layer.threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.negative_slope != 0.0 and self.max_value is None and self.threshold == 0:
            return leaky_relu(x, self.negative_slope)  # tf.nn.leaky_relu, whose slope is a float32
        negative_part = None
        if self.negative_slope != 0.0:
            negative_part = F.relu(-x + self.threshold) if self.threshold != 0 else F.relu(-x)
        if self.threshold != 0:
            x = torch.where(x > self.threshold, x, torch.zeros_like(x))
        elif self.max_value == 6:
            x = F.relu6(x)
        else:
            x = F.relu(x)
        if self.max_value is not None:
            x = torch.clamp(x, max=self.max_value)
        if negative_part is not None:
            x = x - self.negative_slope * negative_part
        return x


class Elementwise(nn.Module):
    """A layer that is one function of its input (Rescaling, LeakyReLU, ELU, Softmax)."""

    def __init__(self, function, description: str):
        super().__init__()
        self.function, self.description = function, description

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.function(inputs)

    def extra_repr(self) -> str:
        return self.description


class KerasEmbedding(nn.Embedding):
    """keras.layers.Embedding: Keras casts its (possibly float) inputs to integers."""

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return super().forward(inputs.long())
