"""Keras's window arithmetic (convolution, pooling, transposed convolution), on channels-last
tensors.

``padding="same"`` gives ``ceil(size / stride)`` outputs and puts any odd padding element at
the end (TensorFlow's rule; torch's symmetric ``padding=`` cannot express it); "causal" pads
only before. torch's kernels take channels first: callers hand them a permuted *view* whose
memory is channels-last, so the permutations copy nothing.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class LayerShapeError(ValueError):
    """A layer that cannot take the shape it is given (as Keras would refuse it)."""


def pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def same_padding(size: int | None, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Keras/TensorFlow "same" padding of one axis: (before, after), the odd one at the end.
    On an axis of unknown length (``None``) it is known only for stride 1."""
    effective = (kernel - 1) * dilation + 1
    if size is None:
        if stride != 1:
            raise LayerShapeError(f"'same' padding with stride {stride} over an axis of unknown length; give keras.Input that axis's size")
        return (effective - 1) // 2, effective - 1 - (effective - 1) // 2
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def window_output(size: int | None, kernel: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """The output length of a window over one axis; None for an axis of unknown length."""
    effective = (kernel - 1) * dilation + 1
    if size is None:
        return None
    if padding in ("same", "causal"):
        return math.ceil(size / stride)
    if size < effective:
        raise LayerShapeError(f"a window of {effective} does not fit an input of {size} with padding 'valid'")
    return (size - effective) // stride + 1


def window_padding(padding: str, sizes, kernels, strides, dilations) -> list[tuple[int, int]]:
    """(before, after) per spatial axis, Keras's rule for "valid", "same" and "causal"."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding == "causal":
        return [((kernel - 1) * dilation, 0) for kernel, dilation in zip(kernels, dilations)]
    return [same_padding(size, kernel, stride, dilation) for size, kernel, stride, dilation in zip(sizes, kernels, strides, dilations)]


def pad_spatial(inputs: torch.Tensor, padding: list[tuple[int, int]], value: float = 0.0) -> torch.Tensor:
    """Pad the spatial axes of a channels-last tensor (F.pad pads the last axes first)."""
    flat = [0, 0]  # the channel axis
    for before, after in reversed(padding):
        flat += [before, after]
    return F.pad(inputs, flat, value=value) if any(flat) else inputs


def channels_first(inputs: torch.Tensor) -> torch.Tensor:
    """(N, *spatial, C) -> (N, C, *spatial), a view."""
    return inputs.movedim(-1, 1)


def channels_last(outputs: torch.Tensor) -> torch.Tensor:
    """(N, C, *spatial) -> (N, *spatial, C), a view."""
    return outputs.movedim(1, -1)
