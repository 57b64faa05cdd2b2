"""How a Keras weight becomes a torch tensor and back: the explicit table of every layout
change a layer kind may name (``WeightRow.translation``).

Keras stores kernels with the input axes first and the output axis last ((in, out) for Dense,
(kh, kw, in, out) for Conv2D); torch's modules keep the output axis first ((out, in),
(out, in, kh, kw)). Each translation here is one such permutation, named for what it does,
with its inverse; ``docs/weights.md`` renders the table of which layer kind uses which.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Translation:
    name: str  # as the weight table prints it
    to_torch: Callable[[np.ndarray], np.ndarray]
    to_keras: Callable[[np.ndarray], np.ndarray]


def _same(array: np.ndarray) -> np.ndarray:
    return array


def _permutation(name: str, axes: tuple[int, ...]) -> Translation:
    inverse = tuple(int(axis) for axis in np.argsort(axes))
    return Translation(name, lambda array: array.transpose(axes), lambda array: array.transpose(inverse))


COPY = Translation("copied", _same, _same)
# Dense: kernel (in, out) -> nn.Linear weight (out, in).
TRANSPOSE = _permutation("transposed", (1, 0))
# Conv2D / SeparableConv2D pointwise: (kh, kw, in, out) -> (out, in, kh, kw).
HWIO_TO_OIHW = _permutation("permute HWIO -> OIHW", (3, 2, 0, 1))
# Conv1D: (k, in, out) -> (out, in, k).
WIO_TO_OIW = _permutation("permute WIO -> OIW", (2, 1, 0))
# Conv2DTranspose: Keras keeps (kh, kw, out, in), torch's conv_transpose2d (in, out, kh, kw).
HWOI_TO_IOHW = _permutation("permute HWOI -> IOHW", (3, 2, 0, 1))


@functools.cache
def depthwise_to_grouped(depth_multiplier: int) -> Translation:
    """DepthwiseConv2D / SeparableConv2D depthwise: Keras's (kh, kw, in, multiplier) -> torch's
    grouped-convolution weight (in * multiplier, 1, kh, kw), output channel ``c * multiplier + m``
    as TensorFlow's depthwise convolution orders them. Not a plain permutation: the way back
    splits the first axis, which needs the multiplier (the torch shape alone does not tell it)."""

    def to_torch(array: np.ndarray) -> np.ndarray:
        height, width, channels, multiplier = array.shape
        return array.transpose(2, 3, 0, 1).reshape(channels * multiplier, 1, height, width)

    def to_keras(array: np.ndarray) -> np.ndarray:
        outputs, _, height, width = array.shape
        return array.reshape(outputs // depth_multiplier, depth_multiplier, height, width).transpose(2, 3, 0, 1)

    return Translation("depthwise HWIM -> grouped (I*M)1HW", to_torch, to_keras)


def _swap_first_two_gates(array: np.ndarray) -> np.ndarray:
    """Keras's GRU gate blocks (z, r, h) along the last axis as torch's (r, z, n): the first
    two swapped, which is its own inverse."""
    z, r, h = np.split(array, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def _gates_then_transpose(array: np.ndarray) -> np.ndarray:
    return _swap_first_two_gates(array).T


def _transpose_then_gates(array: np.ndarray) -> np.ndarray:
    return _swap_first_two_gates(array.T)


# GRU kernel and recurrent kernel: Keras's (in, 3 * units), gates (z, r, h) -> torch's
# weight_ih / weight_hh layout (3 * units, in), gates (r, z, n), the layout torch.gru takes.
GRU_GATES_TRANSPOSED = Translation("gates (z, r, h) -> (r, z, n), transposed", _gates_then_transpose, _transpose_then_gates)
# GRU bias: (3 * units,) with reset_after=False, (2, 3 * units) with reset_after=True (input
# bias row, recurrent bias row): gate blocks reordered, rows kept.
GRU_GATES = Translation("gates (z, r, h) -> (r, z, n)", _swap_first_two_gates, _swap_first_two_gates)
