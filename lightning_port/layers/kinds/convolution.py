"""``keras.layers.Conv1D`` and ``Conv2D`` on Keras's channels-last tensors.

torch's convolutions take channels first: the module hands them a permuted view whose memory
is channels-last, and torch computes in that memory format, so nothing is copied. Keras's
"same" padding puts an odd padding element at the end, which torch's symmetric ``padding=``
cannot express: such padding is applied explicitly first; symmetric padding goes to the
convolution itself. "causal" (Conv1D) pads before only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow, activated, channels
from lightning_port.layers.config import UnsupportedLayer, construct, read_fields
from lightning_port.layers.emit import (
    CHANNELS_FIRST,
    Emitted,
    NotExportable,
    Rule,
    call_arguments,
    compact,
    weight_initialization,
)
from lightning_port.layers.translation import COPY, HWIO_TO_OIHW, WIO_TO_OIW
from lightning_port.ops.initializers import initialize
from lightning_port.ops.windows import pad_spatial, pair, window_output, window_padding


class ChannelsLastConv2d(nn.Conv2d):
    """``keras.layers.Conv2D`` on (N, H, W, C); the weight stays torch's (out, in, kh, kw).

    The depthwise kinds reuse it with ``groups`` (one group per input channel), their own
    output width and, for SeparableConv2D's depthwise step, no bias."""

    def __init__(self, in_channels: int, layer: Conv2D, input_shape, out_channels: int | None = None, groups: int = 1, bias: bool | None = None):
        kernel, strides, dilation = pair(layer.kernel_size), pair(layer.strides), pair(layer.dilation_rate)
        padding = window_padding(layer.padding, input_shape[:2], kernel, strides, dilation)
        symmetric = all(before == after for before, after in padding)
        super().__init__(
            in_channels, layer.filters if out_channels is None else out_channels, kernel, stride=strides, dilation=dilation,
            groups=groups, bias=layer.use_bias if bias is None else bias,
            padding=tuple(before for before, _ in padding) if symmetric else 0,
        )
        self.explicit_padding = None if symmetric else padding

    def forward(self, inputs):
        if self.explicit_padding is not None:
            inputs = pad_spatial(inputs, self.explicit_padding)
        return super().forward(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class ChannelsLastConv1d(nn.Conv1d):
    """``keras.layers.Conv1D`` on (N, steps, C); weight (out, in, k)."""

    def __init__(self, in_channels: int, layer: Conv1D, input_shape):
        (padding,) = window_padding(layer.padding, input_shape[:1], [layer.kernel_size], [layer.strides], [layer.dilation_rate])
        symmetric = padding[0] == padding[1]
        super().__init__(
            in_channels, layer.filters, layer.kernel_size, stride=layer.strides, dilation=layer.dilation_rate,
            bias=layer.use_bias, padding=padding[0] if symmetric else 0,
        )
        self.explicit_padding = None if symmetric else [padding]

    def forward(self, inputs):
        if self.explicit_padding is not None:
            inputs = pad_spatial(inputs, self.explicit_padding)
        return super().forward(inputs.permute(0, 2, 1)).permute(0, 2, 1)


# ---- export: Keras's "same" padding where torch's padding= cannot express it ----

TENSORFLOW_SAME_PADDING = Rule(
    "tensorflow_same_padding",
    '''def tensorflow_same_padding(x, kernel_size, stride, dilation=None):
    """F.pad's padding for Keras's padding="same" on x's spatial axes (channels first): the total
    that keeps ceil(size / stride) outputs, its odd element at the end (bottom, right), as
    TensorFlow pads. torch's padding= can only pad both sides alike."""
    dilation = dilation or (1,) * len(kernel_size)
    padding = []
    for size, kernel, step, rate in reversed(list(zip(x.shape[2:], kernel_size, stride, dilation))):
        total = max((math.ceil(size / step) - 1) * step + (kernel - 1) * rate + 1 - size, 0)
        padding += [total // 2, total - total // 2]
    return padding
''',
    imports=("import math",),
)


def _same_convolution_rule(dimensions: int) -> Rule:
    name = f"Conv{dimensions}dSame"
    return Rule(
        name,
        f'''class {name}(nn.Conv{dimensions}d):
    """Keras's Conv{dimensions}D with padding="same" where the padding is odd: padded as TensorFlow pads
    (tensorflow_same_padding), then convolved without padding."""

    def forward(self, x):
        return super().forward(F.pad(x, tensorflow_same_padding(x, self.kernel_size, self.stride, self.dilation)))
''',
        imports=("import torch.nn.functional as F", "from torch import nn"),
        requires=(TENSORFLOW_SAME_PADDING,),
    )


def emit_convolution(layer, context, dimensions: int, kernel, strides, dilation) -> Emitted:
    """nn.Conv1d/2d where torch's symmetric padding= is Keras's, else the "same" rule class."""
    if layer.padding == "causal":
        raise NotExportable(f"{context.where}: padding 'causal' is not exported yet")
    padding = window_padding(layer.padding, context.input_shape[:dimensions], kernel, strides, dilation)
    symmetric = all(before == after for before, after in padding)
    arguments = call_arguments(
        context.input_shape[-1], layer.filters, compact(kernel),
        stride=compact(strides) if max(strides) > 1 else None,
        padding=compact([before for before, _ in padding]) if symmetric and any(before for before, _ in padding) else None,
        dilation=compact(dilation) if max(dilation) > 1 else None,
        bias=None if layer.use_bias else False,
    )
    rules = () if symmetric else (_same_convolution_rule(dimensions),)
    constructor = f"nn.Conv{dimensions}d" if symmetric else rules[0].name
    bias = layer.bias_initializer if layer.use_bias else None
    fields = weight_initialization(layer.kernel_initializer, bias)
    return Emitted(f"{context.module}({context.argument})", f"{constructor}({arguments})", fields["initialization"], fields["rules"] + rules, initializers=fields["initializers"])


class _Convolution(LayerKind):
    """What Conv1D and Conv2D share: initialisation, weights, activation."""

    export_layout: ClassVar[str] = CHANNELS_FIRST

    @property
    def activation_name(self):
        return self.activation

    def initialize(self, module):
        initialize(module.weight, self.kernel_initializer)
        if module.bias is not None:
            initialize(module.bias, self.bias_initializer)

    def weights(self):
        return (WeightRow("kernel", "weight", self.kernel_translation),) + ((WeightRow("bias", "bias", COPY),) if self.use_bias else ())


@dataclass(frozen=True)
class Conv2D(_Convolution):
    filters: int
    kernel_size: tuple[int, int]  # required, as in Keras
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"  # Keras Conv2D default; the CIFAR recipe asks for "same"
    activation: str | None = None
    dilation_rate: tuple[int, int] = (1, 1)
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Conv2D"
    example_arguments: ClassVar[dict] = {"filters": 2, "kernel_size": (3, 3)}
    pair_fields: ClassVar[tuple[str, ...]] = ("kernel_size", "strides", "dilation_rate")
    kernel_translation: ClassVar = HWIO_TO_OIHW

    def output_shape(self, input_shape):
        channels(input_shape, 3, "Conv2D")
        height, width, _ = input_shape
        (kernel_height, kernel_width), (stride_height, stride_width) = pair(self.kernel_size), pair(self.strides)
        (dilation_height, dilation_width) = pair(self.dilation_rate)
        return activated((
            window_output(height, kernel_height, stride_height, self.padding, dilation_height),
            window_output(width, kernel_width, stride_width, self.padding, dilation_width),
            self.filters,
        ), self.activation)

    def parameter_count(self, input_shape):
        kernel_height, kernel_width = pair(self.kernel_size)
        return kernel_height * kernel_width * input_shape[-1] * self.filters + (self.filters if self.use_bias else 0)

    def build(self, input_shape, context):
        return ChannelsLastConv2d(input_shape[-1], self, input_shape)

    def emit(self, context):
        return emit_convolution(self, context, 2, pair(self.kernel_size), pair(self.strides), pair(self.dilation_rate))

    @classmethod
    def from_keras(cls, config, where):
        values = read_fields(cls, config, where)
        if values.get("padding") == "causal":
            raise UnsupportedLayer(f"{where}: padding 'causal' is for Conv1D only")
        return construct(cls, values, where)

    @classmethod
    def conformance_cases(cls):
        cases = []
        for input_size in (7, 8):
            for kernel in (2, 3):
                for padding in ("valid", "same"):
                    for stride in (1, 2):
                        label = f"kernel {kernel}, {padding}, stride {stride}, input {input_size}x{input_size}"
                        cases.append((label, (input_size, input_size, 2), cls(3, (kernel, kernel), strides=(stride, stride), padding=padding)))
        return cases + [
            ("kernel 3x2, dilation 2, same, relu", (9, 8, 2), cls(3, (3, 2), padding="same", dilation_rate=(2, 2), activation="relu")),
            ("kernel 3, strides (2, 1), no bias", (8, 7, 2), cls(2, (3, 3), strides=(2, 1), use_bias=False)),
        ]


@dataclass(frozen=True)
class Conv1D(_Convolution):
    filters: int
    kernel_size: int  # required, as in Keras
    strides: int = 1
    padding: str = "valid"  # "valid", "same" or "causal"
    activation: str | None = None
    dilation_rate: int = 1
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Conv1D"
    example_arguments: ClassVar[dict] = {"filters": 2, "kernel_size": 3}
    kernel_translation: ClassVar = WIO_TO_OIW

    def output_shape(self, input_shape):
        channels(input_shape, 2, "Conv1D")
        return activated((window_output(input_shape[0], self.kernel_size, self.strides, self.padding, self.dilation_rate), self.filters), self.activation)

    def parameter_count(self, input_shape):
        return self.kernel_size * input_shape[-1] * self.filters + (self.filters if self.use_bias else 0)

    def build(self, input_shape, context):
        return ChannelsLastConv1d(input_shape[-1], self, input_shape)

    def emit(self, context):
        return emit_convolution(self, context, 1, (self.kernel_size,), (self.strides,), (self.dilation_rate,))

    @classmethod
    def from_keras(cls, config, where):
        values = read_fields(cls, config, where)
        for key in ("kernel_size", "strides", "dilation_rate"):  # Keras stores 1-tuples
            if isinstance(values.get(key), tuple) and len(values[key]) == 1:
                values[key] = values[key][0]
        return construct(cls, values, where)

    @classmethod
    def conformance_cases(cls):
        cases = []
        for padding in ("valid", "same", "causal"):
            for kernel, stride, dilation in ((3, 1, 1), (2, 2, 1), (3, 1, 2), (4, 2, 1)):
                if dilation > 1 and stride > 1:
                    continue
                cases.append((f"kernel {kernel}, {padding}, stride {stride}, dilation {dilation}", (9, 2), cls(3, kernel, strides=stride, padding=padding, dilation_rate=dilation)))
        return cases
