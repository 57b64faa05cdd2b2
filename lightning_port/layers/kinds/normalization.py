"""``keras.layers.BatchNormalization`` and ``LayerNormalization`` on the last axis, with
TensorFlow's arithmetic (``ops.normalization``).

BatchNormalization's moving statistics follow Keras: momentum 0.99 weighs the old value
(torch's 0.1 weighs the new one), the moving variance takes the *biased* batch variance, and
``trainable=False`` runs the layer in inference mode (Keras 3's frozen-BN rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.layers.config import construct, read_fields
from lightning_port.layers.translation import COPY
from lightning_port.ops.normalization import moments, normalize

_LAST_AXIS = (-1, [-1], (-1,))


class KerasBatchNorm(nn.Module):
    def __init__(self, channels: int, layer: BatchNormalization):
        super().__init__()
        self.momentum, self.epsilon, self.trainable = layer.momentum, layer.epsilon, layer.trainable
        self.gamma = nn.Parameter(torch.ones(channels), requires_grad=layer.trainable) if layer.scale else None
        self.beta = nn.Parameter(torch.zeros(channels), requires_grad=layer.trainable) if layer.center else None
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, inputs):
        if self.training and self.trainable:
            mean, variance = moments(inputs, tuple(range(inputs.dim() - 1)))
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.reshape(-1).detach() * (1.0 - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(variance.reshape(-1).detach() * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return normalize(inputs, mean, variance, self.epsilon, self.gamma, self.beta)


class KerasLayerNorm(nn.Module):
    def __init__(self, channels: int, layer: LayerNormalization):
        super().__init__()
        self.epsilon = layer.epsilon
        self.gamma = nn.Parameter(torch.ones(channels)) if layer.scale else None
        self.beta = nn.Parameter(torch.zeros(channels)) if layer.center else None

    def forward(self, inputs):
        mean, variance = moments(inputs, (-1,))
        return normalize(inputs, mean, variance, self.epsilon, self.gamma, self.beta)


def _read_last_axis(cls, config, where):
    return construct(cls, read_fields(cls, config, where, handled={"axis": _LAST_AXIS}), where)


@dataclass(frozen=True)
class BatchNormalization(LayerKind):
    momentum: float = 0.99
    epsilon: float = 0.001
    center: bool = True
    scale: bool = True
    trainable: bool = True
    keras_class: ClassVar[str] = "BatchNormalization"
    supports_masking: ClassVar[bool] = True
    mask_refusal: ClassVar[str | None] = "Keras's BatchNormalization weights its batch statistics by the mask, which the port does not reproduce"

    def parameter_count(self, input_shape):
        return input_shape[-1] * (2 + int(self.center) + int(self.scale))  # moving mean and variance too

    def build(self, input_shape, context):
        return KerasBatchNorm(input_shape[-1], self)

    def weights(self):
        trainable = self.trainable
        rows = (WeightRow("gamma", "gamma", COPY, trainable),) if self.scale else ()
        rows += (WeightRow("beta", "beta", COPY, trainable),) if self.center else ()
        return rows + (WeightRow("moving_mean", "moving_mean", COPY, False), WeightRow("moving_variance", "moving_variance", COPY, False))

    @classmethod
    def from_keras(cls, config, where):
        return _read_last_axis(cls, config, where)

    def keras_arguments(self):
        arguments = super().keras_arguments()
        arguments.pop("trainable")  # set on the built layer (layer.trainable = False)
        return arguments

    @classmethod
    def conformance_cases(cls):
        return [
            ("defaults (momentum 0.99, epsilon 1e-3)", (5,), cls()),
            ("on images, momentum 0.9, epsilon 1e-5", (4, 4, 3), cls(momentum=0.9, epsilon=1e-5)),
            ("center=False, scale=False", (5,), cls(center=False, scale=False)),
            ("trainable=False (inference mode)", (5,), cls(trainable=False)),
        ]


@dataclass(frozen=True)
class LayerNormalization(LayerKind):
    epsilon: float = 0.001
    center: bool = True
    scale: bool = True
    keras_class: ClassVar[str] = "LayerNormalization"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through

    def parameter_count(self, input_shape):
        return input_shape[-1] * (int(self.center) + int(self.scale))

    def build(self, input_shape, context):
        return KerasLayerNorm(input_shape[-1], self)

    def weights(self):
        return ((WeightRow("gamma", "gamma", COPY),) if self.scale else ()) + ((WeightRow("beta", "beta", COPY),) if self.center else ())

    @classmethod
    def from_keras(cls, config, where):
        return _read_last_axis(cls, config, where)

    @classmethod
    def conformance_cases(cls):
        return [
            ("defaults (epsilon 1e-3)", (3, 5), cls()),
            ("center=False, scale=False, epsilon 1e-5", (5,), cls(epsilon=1e-5, center=False, scale=False)),
        ]
