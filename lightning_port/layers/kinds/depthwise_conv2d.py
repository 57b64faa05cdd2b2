"""``keras.layers.DepthwiseConv2D``: each input channel convolved with its own
``depth_multiplier`` kernels, as torch's grouped convolution with one group per input channel.

TensorFlow's depthwise convolution orders its outputs ``c * depth_multiplier + m`` (input
channel c, multiplier index m); a torch group's outputs are consecutive, so the same order
falls out of ``groups=in_channels`` (``translation.depthwise_to_grouped`` lays the kernel out
so). Strides with dilation, which TensorFlow cannot run together, Keras 3 computes as the
dilated stride-1 convolution subsampled with the strided "same" padding: the strided dilated
convolution itself, which torch runs directly.

Unequal strides without dilation are refused (``windowed_refusal``): TensorFlow's CPU depthwise
kernel refuses them (float32 runs them through oneDNN only), so Keras has no float64 result
to judge the port against. With a dilation above 1 Keras's decomposition runs them, and so
does the port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow, activated, channels
from lightning_port.layers.config import read_fields
from lightning_port.layers.kinds.convolution import ChannelsLastConv2d
from lightning_port.layers.kinds.refusals import NO_FLOAT64_TRUTH, construct_refusing, refuse
from lightning_port.layers.translation import COPY, depthwise_to_grouped
from lightning_port.ops.initializers import initialize
from lightning_port.ops.windows import pair, window_output


def initialize_depthwise(weight: torch.Tensor, name: str, depth_multiplier: int) -> None:
    """Keras's initializer for a depthwise kernel held as torch's (in * multiplier, 1, kh, kw).

    Keras's fans for (kh, kw, in, multiplier) are in * kh * kw and multiplier * kh * kw;
    torch's rule on the grouped layout would give kh * kw and in * multiplier * kh * kw. The
    draw is made on (multiplier, in, kh, kw), whose torch fans are Keras's, then laid out."""
    in_channels = weight.shape[0] // depth_multiplier
    draw = torch.empty(depth_multiplier, in_channels, *weight.shape[2:], dtype=weight.dtype, device=weight.device)
    initialize(draw, name)
    with torch.no_grad():
        weight.copy_(draw.transpose(0, 1).reshape(weight.shape))


def spatial_output(layer, input_shape, width: int):
    """(height, width, channels) after a Keras "valid"/"same" window of the layer's kernel."""
    height, width_in, _ = input_shape
    kernel, strides, dilation = pair(layer.kernel_size), pair(layer.strides), pair(layer.dilation_rate)
    return (
        window_output(height, kernel[0], strides[0], layer.padding, dilation[0]),
        window_output(width_in, kernel[1], strides[1], layer.padding, dilation[1]),
        width,
    )


def windowed_refusal(layer) -> str | None:
    """What the depthwise kinds refuse (module docstring): a padding Keras does not take, and
    unequal strides that TensorFlow's depthwise kernel itself runs (no dilation above 1)."""
    if layer.padding not in ("valid", "same"):
        return f"option padding={layer.padding!r} is not supported (Keras's {layer.keras_class} takes 'valid' or 'same')"
    strides, dilation = pair(layer.strides), pair(layer.dilation_rate)
    decomposed = max(strides) > 1 and max(dilation) > 1  # Keras's own route, stride 1 then subsampled
    if strides[0] != strides[1] and not decomposed:
        return (
            f"option strides={strides} is not supported: TensorFlow's CPU depthwise convolution refuses unequal strides "
            f"(\"Current implementation only supports equal length strides in the row and column dimensions\"), {NO_FLOAT64_TRUTH}"
        )
    return None


def read_windowed(kind, config: dict, where: str):
    """A depthwise kind from its Keras config, refusals as one line naming the node."""
    return construct_refusing(kind, read_fields(kind, config, where), where)


class DepthwiseConvolution(nn.Module):
    """The grouped convolution, then the bias as a separate addition, as Keras adds it: the
    bias's gradient is then autograd's sum over the batch and positions, which measured 10x
    closer to the float64 truth than the convolution's own bias gradient (5.7e-8 against
    6.3e-7, relative, Keras's 1.9e-7: kernel 3, valid, input 7x8)."""

    def __init__(self, layer: DepthwiseConv2D, input_shape):
        super().__init__()
        in_channels = input_shape[-1]
        outputs = in_channels * layer.depth_multiplier
        self.depthwise = ChannelsLastConv2d(in_channels, layer, input_shape, out_channels=outputs, groups=in_channels, bias=False)
        self.bias = nn.Parameter(torch.empty(outputs)) if layer.use_bias else None

    def forward(self, inputs):
        outputs = self.depthwise(inputs)
        return outputs if self.bias is None else outputs + self.bias


@dataclass(frozen=True)
class DepthwiseConv2D(LayerKind):
    kernel_size: tuple[int, int]  # required, as in Keras
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    depth_multiplier: int = 1
    dilation_rate: tuple[int, int] = (1, 1)
    activation: str | None = None
    use_bias: bool = True
    depthwise_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "DepthwiseConv2D"
    example_arguments: ClassVar[dict] = {"kernel_size": (3, 3)}
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
        channels(input_shape, 3, "DepthwiseConv2D")
        return activated(spatial_output(self, input_shape, input_shape[-1] * self.depth_multiplier), self.activation)

    def parameter_count(self, input_shape):
        kernel_height, kernel_width = pair(self.kernel_size)
        outputs = input_shape[-1] * self.depth_multiplier
        return kernel_height * kernel_width * outputs + (outputs if self.use_bias else 0)

    def build(self, input_shape, context):
        return DepthwiseConvolution(self, input_shape)

    def initialize(self, module):
        initialize_depthwise(module.depthwise.weight, self.depthwise_initializer, self.depth_multiplier)
        if module.bias is not None:
            initialize(module.bias, self.bias_initializer)

    def weights(self):
        kernel = WeightRow("kernel", "depthwise.weight", depthwise_to_grouped(self.depth_multiplier))
        return (kernel,) + ((WeightRow("bias", "bias", COPY),) if self.use_bias else ())

    @classmethod
    def from_keras(cls, config, where):
        return read_windowed(cls, config, where)

    @classmethod
    def conformance_cases(cls):
        cases = []
        for kernel in (2, 3):
            for padding in ("valid", "same"):
                for stride in (1, 2):
                    for multiplier in (1, 2):
                        label = f"kernel {kernel}, {padding}, stride {stride}, depth_multiplier {multiplier}, input 7x8"
                        cases.append((label, (7, 8, 3), cls((kernel, kernel), strides=(stride, stride), padding=padding, depth_multiplier=multiplier)))
        return cases + [
            ("kernel 3x2, dilation 2, same, relu", (9, 8, 2), cls((3, 2), padding="same", dilation_rate=(2, 2), activation="relu")),
            ("kernel 3, dilation 2, valid, depth_multiplier 2", (9, 8, 2), cls((3, 3), dilation_rate=(2, 2), depth_multiplier=2)),
            ("kernel 3, dilation 2 with stride 2, same (Keras's decomposition)", (9, 8, 2), cls((3, 3), strides=(2, 2), padding="same", dilation_rate=(2, 2))),
            ("kernel 2, dilation (1, 2) with strides (2, 1), valid", (8, 9, 2), cls((2, 2), strides=(2, 1), dilation_rate=(1, 2), depth_multiplier=2)),
            ("kernel 3, no bias, tanh, he_uniform", (7, 7, 2), cls((3, 3), use_bias=False, activation="tanh", depthwise_initializer="he_uniform")),
        ]
