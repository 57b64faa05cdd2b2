"""The moments and normalisation formula of TensorFlow's ``tf.nn`` (what Keras's
BatchNormalization and LayerNormalization call on the TensorFlow backend)."""

from __future__ import annotations

import torch


def moments(inputs: torch.Tensor, dims) -> tuple[torch.Tensor, torch.Tensor]:
    """tf.nn.moments: the mean, and the *biased* variance around the (gradient-stopped) mean."""
    mean = inputs.mean(dim=dims, keepdim=True)
    variance = ((inputs - mean.detach()) ** 2).mean(dim=dims, keepdim=True)
    return mean, variance


def normalize(inputs, mean, variance, epsilon, gamma, beta):
    """tf.nn.batch_normalization's order of operations: x * inv + (beta - mean * inv)."""
    inverse = torch.rsqrt(variance + epsilon)
    if gamma is not None:
        inverse = inverse * gamma
    shift = -mean * inverse if beta is None else beta - mean * inverse
    return inputs * inverse + shift
