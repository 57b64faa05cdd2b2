"""``keras.layers.SeparableConv2D``: a depthwise convolution (no bias) then a pointwise 1x1
convolution, then the bias, in the order TensorFlow's ``separable_conv2d`` computes them.

The depthwise step is DepthwiseConv2D's grouped convolution (its padding, strides and dilation);
the pointwise step mixes the ``in * depth_multiplier`` channels into ``filters``; the bias is
added after both, as a separate addition (Keras's order; why separate: DepthwiseConv2D).
Strides with dilation: as DepthwiseConv2D (Keras 3 subsamples the dilated stride-1 depthwise
result before the pointwise step, which is the strided result); unequal strides without
dilation are refused, as there (TensorFlow's depthwise kernel refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow, activated, channels
from lightning_port.layers.kinds.convolution import ChannelsLastConv2d
from lightning_port.layers.kinds.depthwise_conv2d import initialize_depthwise, read_windowed, spatial_output, windowed_refusal
from lightning_port.layers.kinds.refusals import refuse
from lightning_port.layers.translation import COPY, HWIO_TO_OIHW, depthwise_to_grouped
from lightning_port.ops.initializers import initialize
from lightning_port.ops.windows import pair


class ChannelsLastPointwise(nn.Conv2d):
    """A 1x1 convolution without bias on (N, H, W, C); weight (out, in, 1, 1), Keras's
    (1, 1, in, out) permuted."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(in_channels, out_channels, 1, bias=False)

    def forward(self, inputs):
        return super().forward(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class SeparableConvolution(nn.Module):
    """Depthwise, pointwise, then the bias as a separate addition, as Keras adds it."""

    def __init__(self, layer: SeparableConv2D, input_shape):
        super().__init__()
        in_channels = input_shape[-1]
        middle = in_channels * layer.depth_multiplier
        self.depthwise = ChannelsLastConv2d(in_channels, layer, input_shape, out_channels=middle, groups=in_channels, bias=False)
        self.pointwise = ChannelsLastPointwise(middle, layer.filters)
        self.bias = nn.Parameter(torch.empty(layer.filters)) if layer.use_bias else None

    def forward(self, inputs):
        outputs = self.pointwise(self.depthwise(inputs))
        return outputs if self.bias is None else outputs + self.bias


@dataclass(frozen=True)
class SeparableConv2D(LayerKind):
    filters: int
    kernel_size: tuple[int, int]  # required, as in Keras
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    dilation_rate: tuple[int, int] = (1, 1)
    depth_multiplier: int = 1
    activation: str | None = None
    use_bias: bool = True
    depthwise_initializer: str = "glorot_uniform"
    pointwise_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "SeparableConv2D"
    example_arguments: ClassVar[dict] = {"filters": 2, "kernel_size": (3, 3)}
    pair_fields: ClassVar[tuple[str, ...]] = ("kernel_size", "strides", "dilation_rate")

    def __post_init__(self):
        super().__post_init__()
        refuse(self)

    def refusal(self) -> str | None:
        return windowed_refusal(self)

    @property
    def activation_name(self):
        return self.activation

    def output_shape(self, input_shape):
        channels(input_shape, 3, "SeparableConv2D")
        return activated(spatial_output(self, input_shape, self.filters), self.activation)

    def parameter_count(self, input_shape):
        kernel_height, kernel_width = pair(self.kernel_size)
        middle = input_shape[-1] * self.depth_multiplier
        return kernel_height * kernel_width * middle + middle * self.filters + (self.filters if self.use_bias else 0)

    def build(self, input_shape, context):
        return SeparableConvolution(self, input_shape)

    def initialize(self, module):
        initialize_depthwise(module.depthwise.weight, self.depthwise_initializer, self.depth_multiplier)
        initialize(module.pointwise.weight, self.pointwise_initializer)
        if module.bias is not None:
            initialize(module.bias, self.bias_initializer)

    def weights(self):
        rows = (
            WeightRow("depthwise_kernel", "depthwise.weight", depthwise_to_grouped(self.depth_multiplier)),
            WeightRow("pointwise_kernel", "pointwise.weight", HWIO_TO_OIHW),
        )
        return rows + ((WeightRow("bias", "bias", COPY),) if self.use_bias else ())

    @classmethod
    def from_keras(cls, config, where):
        return read_windowed(cls, config, where)

    @classmethod
    def conformance_cases(cls):
        cases = []
        for kernel in (2, 3):
            for padding in ("valid", "same"):
                for stride in (1, 2):
                    multiplier = 2 if (kernel + stride) % 2 else 1  # both multipliers across the grid
                    label = f"kernel {kernel}, {padding}, stride {stride}, depth_multiplier {multiplier}, input 7x8"
                    cases.append((label, (7, 8, 3), cls(4, (kernel, kernel), strides=(stride, stride), padding=padding, depth_multiplier=multiplier)))
        return cases + [
            (
                "kernel 2, dilation (1, 2) with strides (2, 1), same, depth_multiplier 2", (8, 9, 3),
                cls(3, (2, 2), strides=(2, 1), padding="same", dilation_rate=(1, 2), depth_multiplier=2),
            ),
            ("kernel 3x2, dilation 2, same, relu", (9, 8, 2), cls(3, (3, 2), padding="same", dilation_rate=(2, 2), activation="relu")),
            (
                "kernel 3, dilation 2 with stride 2, valid, depth_multiplier 2 (Keras's decomposition)", (9, 8, 2),
                cls(3, (3, 3), strides=(2, 2), dilation_rate=(2, 2), depth_multiplier=2),
            ),
            ("kernel 3, dilation 2 with stride 2, same", (9, 8, 2), cls(3, (3, 3), strides=(2, 2), padding="same", dilation_rate=(2, 2))),
            (
                "kernel 3, no bias, tanh, he_normal / lecun_uniform", (7, 7, 2),
                cls(3, (3, 3), use_bias=False, activation="tanh", depthwise_initializer="he_normal", pointwise_initializer="lecun_uniform"),
            ),
        ]
