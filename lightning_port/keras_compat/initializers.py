"""Keras's default initializers, applied to torch layers."""

from __future__ import annotations

import torch
from torch import nn

from lightning_port.keras_compat import defaults as keras_defaults


@torch.no_grad()
def keras_default_init_(module: nn.Module) -> None:
    """glorot_uniform kernels and zero biases, Keras's Dense/Conv2D defaults.

    torch's xavier_uniform_ computes fan_in/fan_out as Keras's GlorotUniform does for both
    layouts: Linear (out, in) -> fan_in=in, fan_out=out; Conv2d (out, in, kh, kw) ->
    fan_in=in*kh*kw, fan_out=out*kh*kw, so the sampling range is identical.
    """
    assert keras_defaults.KERNEL_INITIALIZER_KERAS_DEFAULT == "glorot_uniform"
    assert keras_defaults.BIAS_INITIALIZER_KERAS_DEFAULT == "zeros"
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
