"""Keras's initializers, applied to torch tensors, so that a model trained from scratch starts
from the distribution Keras would draw from (the draws themselves differ: other generators).

Keras computes fans from its kernel layout, (in, out) for Dense and (kernel..., in, out) for
convolutions; torch's ``_calculate_fan_in_and_fan_out`` on the torch layout (out, in,
kernel...) gives the same two numbers, so the variance-scaling limits agree.
"""

from __future__ import annotations

import math

import torch
from torch import nn


# keras.initializers.VarianceScaling(distribution="truncated_normal"): the standard deviation
# of a normal truncated at two standard deviations, divided out so the variance is as asked.
_TRUNCATED_NORMAL_STDDEV_CORRECTION = 0.87962566103423978
# RandomUniform / RandomNormal / TruncatedNormal defaults, and Embedding's "uniform".
_RANDOM_UNIFORM_LIMIT = 0.05
_RANDOM_NORMAL_STDDEV = 0.05


def _variance_scaling(tensor: torch.Tensor, scale: float, mode: str, distribution: str) -> None:
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(tensor) if tensor.dim() > 1 else (tensor.numel(), tensor.numel())
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    if distribution == "uniform":
        limit = math.sqrt(3.0 * scale / fan)
        nn.init.uniform_(tensor, -limit, limit)
    else:
        stddev = math.sqrt(scale / fan) / _TRUNCATED_NORMAL_STDDEV_CORRECTION
        nn.init.trunc_normal_(tensor, std=stddev, a=-2 * stddev, b=2 * stddev)


def _truncated_normal(tensor: torch.Tensor) -> None:
    nn.init.trunc_normal_(tensor, std=_RANDOM_NORMAL_STDDEV, a=-2 * _RANDOM_NORMAL_STDDEV, b=2 * _RANDOM_NORMAL_STDDEV)


INITIALIZERS = {
    "glorot_uniform": lambda t: _variance_scaling(t, 1.0, "fan_avg", "uniform"),
    "glorot_normal": lambda t: _variance_scaling(t, 1.0, "fan_avg", "truncated_normal"),
    "he_uniform": lambda t: _variance_scaling(t, 2.0, "fan_in", "uniform"),
    "he_normal": lambda t: _variance_scaling(t, 2.0, "fan_in", "truncated_normal"),
    "lecun_uniform": lambda t: _variance_scaling(t, 1.0, "fan_in", "uniform"),
    "lecun_normal": lambda t: _variance_scaling(t, 1.0, "fan_in", "truncated_normal"),
    "zeros": nn.init.zeros_,
    "ones": nn.init.ones_,
    "uniform": lambda t: nn.init.uniform_(t, -_RANDOM_UNIFORM_LIMIT, _RANDOM_UNIFORM_LIMIT),
    "random_uniform": lambda t: nn.init.uniform_(t, -_RANDOM_UNIFORM_LIMIT, _RANDOM_UNIFORM_LIMIT),
    "random_normal": lambda t: nn.init.normal_(t, 0.0, _RANDOM_NORMAL_STDDEV),
    "truncated_normal": _truncated_normal,
    "orthogonal": nn.init.orthogonal_,
}


@torch.no_grad()
def initialize(tensor: torch.Tensor, name: str) -> None:
    if name not in INITIALIZERS:
        raise ValueError(f"unsupported initializer {name!r}; supported: {', '.join(INITIALIZERS)}")
    INITIALIZERS[name](tensor)
