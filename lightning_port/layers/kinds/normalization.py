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
from lightning_port.layers.emit import CHANNELS_FIRST, Emitted, Rule, call_arguments
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


# ---- export: the same arithmetic on the channel axis of a channels-first tensor ----

KERAS_BATCH_NORM = Rule(
    "KerasBatchNorm",
    '''class KerasBatchNorm(nn.Module):
    """keras.layers.BatchNormalization over axis 1 (the channels), as Keras computes it on
    TensorFlow. torch's nn.BatchNorm differs in three ways: Keras's momentum (0.99) weighs the
    old moving statistic where torch's (0.1) weighs the new one; the moving variance takes the
    biased batch variance (tf.nn.moments), torch's the unbiased one; and the output is
    TensorFlow's x * inverse + (beta - mean * inverse), inverse = gamma / sqrt(variance +
    epsilon). trainable=False runs it in inference mode, Keras 3's rule for a frozen layer."""

    def __init__(self, channels, momentum=0.99, epsilon=0.001, center=True, scale=True, trainable=True):
        super().__init__()
        self.momentum, self.epsilon, self.trainable = momentum, epsilon, trainable
        self.gamma = nn.Parameter(torch.ones(channels), requires_grad=trainable) if scale else None
        self.beta = nn.Parameter(torch.zeros(channels), requires_grad=trainable) if center else None
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x):
        per_channel = (-1,) + (1,) * (x.dim() - 2)
        if self.training and self.trainable:
            axes = [0, *range(2, x.dim())]
            mean = x.mean(dim=axes, keepdim=True)
            variance = ((x - mean.detach()) ** 2).mean(dim=axes, keepdim=True)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.reshape(-1) * (1.0 - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(variance.reshape(-1) * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean.view(per_channel), self.moving_variance.view(per_channel)
        inverse = torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inverse = inverse * self.gamma.view(per_channel)
        shift = -mean * inverse if self.beta is None else self.beta.view(per_channel) - mean * inverse
        return x * inverse + shift
''',
    imports=("import torch", "from torch import nn"),
)

KERAS_LAYER_NORM = Rule(
    "KerasLayerNorm",
    '''class KerasLayerNorm(nn.Module):
    """keras.layers.LayerNormalization over the last axis with TensorFlow's arithmetic: the
    biased variance around the mean (tf.nn.moments) and x * inverse + (beta - mean * inverse),
    inverse = gamma / sqrt(variance + epsilon); torch's F.layer_norm rounds differently. Its
    epsilon defaults to Keras's 1e-3 (torch's 1e-5)."""

    def __init__(self, channels, epsilon=0.001, center=True, scale=True):
        super().__init__()
        self.epsilon = epsilon
        self.gamma = nn.Parameter(torch.ones(channels)) if scale else None
        self.beta = nn.Parameter(torch.zeros(channels)) if center else None

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        variance = ((x - mean.detach()) ** 2).mean(dim=-1, keepdim=True)
        inverse = torch.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inverse = inverse * self.gamma
        shift = -mean * inverse if self.beta is None else self.beta - mean * inverse
        return x * inverse + shift
''',
    imports=("import torch", "from torch import nn"),
)


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

    export_layout: ClassVar[str] = CHANNELS_FIRST

    def build(self, input_shape, context):
        return KerasBatchNorm(input_shape[-1], self)

    def emit(self, context):
        options = {"momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True, "trainable": True}
        changed = {name: getattr(self, name) for name, default in options.items() if getattr(self, name) != default}
        return Emitted(f"{context.module}({context.argument})", f"KerasBatchNorm({call_arguments(context.input_shape[-1], **changed)})", rules=(KERAS_BATCH_NORM,))

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

    def emit(self, context):
        options = {"epsilon": 0.001, "center": True, "scale": True}
        changed = {name: getattr(self, name) for name, default in options.items() if getattr(self, name) != default}
        return Emitted(f"{context.module}({context.argument})", f"KerasLayerNorm({call_arguments(context.input_shape[-1], **changed)})", rules=(KERAS_LAYER_NORM,))

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
