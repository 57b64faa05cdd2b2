"""Keras's activation functions (``keras.activations``) in torch, by name, with Keras's
defaults and formulas (keras/src/backend/tensorflow/nn.py where torch's differs)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def _sparse_plus(x):
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def _sparse_sigmoid(x):
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, torch.ones_like(x), 0.5 * (x + 1)))


def _squareplus(x, b: float = 4.0):
    return (x + torch.sqrt(x * x + b)) / 2


def _celu(x, alpha: float = 1.0):
    return torch.clamp(x, min=0) + alpha * torch.expm1(torch.clamp(x, max=0) / alpha)


def _sparsemax(x, dim: int = -1):
    """keras.activations.sparsemax exactly as Keras 3.15 computes it on TensorFlow. Note: its
    threshold sums the cumulative sums over the support, where Martins & Astudillo's sparsemax
    takes the cumulative sum at the support's end, so its outputs need not sum to 1; the port
    computes what Keras computes."""
    sorted_values, _ = torch.sort(x, dim=dim, descending=True)
    cumulative = sorted_values.cumsum(dim)
    ranks = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype, device=x.device)
    shape = [1] * x.dim()
    shape[dim] = -1
    ranks = ranks.reshape(shape)
    support = sorted_values - (cumulative - 1) / ranks > 0
    support_size = support.to(x.dtype).sum(dim=dim, keepdim=True)
    threshold = (torch.where(support, cumulative, torch.zeros_like(cumulative)).sum(dim=dim, keepdim=True) - 1) / support_size
    return torch.clamp(x - threshold, min=0)


def float32_constant(value: float) -> float:
    """A constant as TensorFlow keeps it in an op attribute (a 32-bit float), e.g.
    tf.nn.leaky_relu's alpha: what Keras computes with, in float64 too."""
    return float(np.float32(value))


def _hard_sigmoid(x):
    """Keras 3's relu6(x + 3) / 6, written out: torch's F.hardsigmoid backward scales by a
    float32 1/6 even in float64 (measured 3e-8 off), TensorFlow's chain of ops is exact."""
    return F.relu6(x + 3.0) / 6.0


# tf.nn.selu's constants (Klambauer et al. 2017).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu(x):
    """SELU with TensorFlow's derivative at 0 (the positive branch's, scale; torch's F.selu
    takes the negative branch's there, scale * alpha). Freshly initialised networks meet an
    exact 0 often: zero biases on an all-zero input patch."""
    return torch.where(x < 0, _SELU_SCALE * _SELU_ALPHA * torch.expm1(x), _SELU_SCALE * x)


def _gelu(x):
    """tf.nn.gelu(approximate=False): 0.5 x erfc(-x / sqrt(2)), with 1/sqrt(2) as TensorFlow
    ends up computing with it, a float32 value (measured: exact to 4e-16 in float64 this way,
    5e-9 off with the exact constant)."""
    return 0.5 * x * torch.special.erfc(-x * float32_constant(0.7071067811865476))


def leaky_relu(x, negative_slope: float):
    return F.leaky_relu(x, float32_constant(negative_slope))


ACTIVATION_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "celu": _celu,
    "elu": F.elu,
    "exponential": torch.exp,
    "gelu": lambda x: _gelu(x),  # keras.activations.gelu: approximate=False (the erf form)
    "hard_shrink": lambda x: F.hardshrink(x, 0.5),
    "hard_sigmoid": lambda x: _hard_sigmoid(x),
    "hard_silu": lambda x: x * _hard_sigmoid(x),
    "hard_swish": lambda x: x * _hard_sigmoid(x),
    "hard_tanh": F.hardtanh,
    "leaky_relu": lambda x: leaky_relu(x, 0.2),  # the function's default slope (the layer's is 0.3)
    "log_sigmoid": F.logsigmoid,
    "log_softmax": lambda x: F.log_softmax(x, dim=-1),
    "mish": F.mish,
    "relu": F.relu,
    "relu6": F.relu6,
    "selu": lambda x: _selu(x),
    "sigmoid": torch.sigmoid,
    "silu": F.silu,
    "soft_shrink": lambda x: F.softshrink(x, 0.5),
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "softplus": F.softplus,
    "softsign": F.softsign,
    "sparse_plus": _sparse_plus,
    "sparse_sigmoid": _sparse_sigmoid,
    "sparsemax": _sparsemax,
    "squareplus": _squareplus,
    "swish": F.silu,
    "tanh": torch.tanh,
    "tanh_shrink": F.tanhshrink,
}


class KerasActivation(nn.Module):
    """One of keras.activations by name."""

    def __init__(self, name: str):
        super().__init__()
        if name not in ACTIVATION_FUNCTIONS:
            raise ValueError(f"unsupported activation {name!r}")
        self.name = name
        self.function = ACTIVATION_FUNCTIONS[name]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.function(inputs)

    def extra_repr(self) -> str:
        return self.name


def activation_module(name: str | None) -> nn.Module | None:
    """A module for an activation name; None for no activation ("linear" or None)."""
    if name is None or name == "linear":
        return None
    return KerasActivation(name)
