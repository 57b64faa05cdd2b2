"""``keras.layers.Conv2DTranspose`` on channels-last tensors.

Keras's TensorFlow backend computes it as ``tf.nn.conv_transpose``: the gradient of a
"same"/"valid" convolution whose input has Keras's output size (``output_size`` below, from
``compute_conv_transpose_output_shape``). Along each axis, that gradient is the full transposed
convolution, ``(I - 1) * s + effective kernel`` long, read from the forward convolution's
padding before onwards; positions past its end, which the forward convolution never reads,
are zeros. torch's ``conv_transpose2d`` with ``padding=p`` and ``output_padding=q`` reads the
same full result from ``p`` on, ``q`` positions past its symmetric crop (zeros where past the
end): where TensorFlow's "same" padding is odd (the extra element at the end) the result is
one position longer than Keras's, and that end is cropped explicitly, as convolution.py pads
explicitly.

dilation_rate > 1 is refused (``keras_refusal``): TensorFlow's CPU kernel computes it in
float32 through oneDNN only, never in float64, so no row could be judged. The arithmetic here
follows Keras's dilated formulas all the same (the effective kernel), so lifting the refusal
needs only a float64 truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow, activated, channels
from lightning_port.layers.config import read_fields
from lightning_port.layers.emit import CHANNELS_FIRST, Emitted, Rule, call_arguments, compact, weight_initialization
from lightning_port.layers.kinds.refusals import NO_FLOAT64_TRUTH, construct_refusing, refuse
from lightning_port.layers.translation import COPY, HWOI_TO_IOHW
from lightning_port.ops.initializers import initialize
from lightning_port.ops.windows import pair


def effective_kernel(kernel: int, dilation: int) -> int:
    return (kernel - 1) * dilation + 1


def output_size(size: int, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int) -> int:
    """Keras's transposed-convolution output length (``_get_output_shape_given_tf_padding``)."""
    kernel = effective_kernel(kernel, dilation)
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return (size - 1) * stride + kernel + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + kernel % 2 + output_padding


def torch_arguments(size: int, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int) -> tuple[int, int, int]:
    """(padding, output_padding, positions cropped at the end) of torch's conv_transpose2d
    giving TensorFlow's result along one axis (module docstring)."""
    wanted = output_size(size, kernel, stride, padding, output_padding, dilation)
    full = (size - 1) * stride + effective_kernel(kernel, dilation)
    # The forward "same" convolution over ``wanted`` positions pads ``full - wanted`` in all
    # (none when negative), the smaller half before; "valid" pads nothing.
    before = max(full - wanted, 0) // 2 if padding == "same" else 0
    extra = wanted - (full - 2 * before)
    return before, max(extra, 0), max(-extra, 0)


def keras_refusal(layer: Conv2DTranspose) -> str | None:
    """Why Keras refuses the options (its constructor, or TensorFlow when the layer is called)."""
    strides, dilation = pair(layer.strides), pair(layer.dilation_rate)
    if layer.padding not in ("valid", "same"):
        return f"option padding={layer.padding!r} is not supported (Keras's Conv2DTranspose takes 'valid' or 'same')"
    if max(strides) > 1 and max(dilation) > 1:
        return f"option dilation_rate={dilation} with strides={strides}: `strides > 1` not supported in conjunction with `dilation_rate > 1` (Keras's own refusal)"
    if max(dilation) > 1:
        return (
            f"option dilation_rate={dilation} is not supported: TensorFlow's CPU conv2d_transpose refuses dilation rates above 1 "
            f"(\"Current CPU implementations do not yet support dilation rates larger than 1\"), {NO_FLOAT64_TRUTH}"
        )
    if layer.output_padding is None:
        return None
    for axis, (extra, stride) in enumerate(zip(pair(layer.output_padding), strides)):
        if extra >= stride:
            return (
                f"option output_padding={tuple(layer.output_padding)}: `output_padding` must be strictly less than `strides` "
                f"for all dimensions (Keras's own refusal; at dimension {axis}, {extra} >= {stride})"
            )
    if layer.padding == "same":
        for axis, (kernel, extra) in enumerate(zip(pair(layer.kernel_size), pair(layer.output_padding))):
            if kernel % 2 + extra == 0:
                return (
                    f"option output_padding={tuple(layer.output_padding)} with padding 'same' and an even kernel along axis {axis} is not supported: "
                    "TensorFlow's conv2d_transpose refuses it when the layer is called (the output size Keras asks for, (input - 1) * strides, "
                    "does not convolve back to the input's size)"
                )
    return None


class ChannelsLastConvTranspose2d(nn.ConvTranspose2d):
    """``keras.layers.Conv2DTranspose`` on (N, H, W, C); weight torch's (in, out, kh, kw)."""

    def __init__(self, in_channels: int, layer: Conv2DTranspose, input_shape):
        kernel, strides, dilation = pair(layer.kernel_size), pair(layer.strides), pair(layer.dilation_rate)
        extras = (None, None) if layer.output_padding is None else pair(layer.output_padding)
        axes = [(input_shape[axis], kernel[axis], strides[axis], layer.padding, extras[axis], dilation[axis]) for axis in (0, 1)]
        arguments = [torch_arguments(*options) for options in axes]
        super().__init__(
            in_channels, layer.filters, kernel, stride=strides, dilation=dilation, bias=layer.use_bias,
            padding=tuple(padding for padding, _, _ in arguments), output_padding=tuple(extra for _, extra, _ in arguments),
        )
        self.cropped_size = tuple(output_size(*options) for options in axes)
        self.crops = any(cropped for _, _, cropped in arguments)

    def forward(self, inputs):
        outputs = super().forward(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        if self.crops:
            height, width = self.cropped_size
            outputs = outputs[:, :height, :width]
        return outputs


CROPPED_CONV_TRANSPOSE = Rule(
    "ConvTranspose2dCropped",
    '''class ConvTranspose2dCropped(nn.ConvTranspose2d):
    """Keras's Conv2DTranspose where its output is shorter than torch's: TensorFlow's transposed
    convolution keeps the first `cropped_size` positions of the full result ("same" padding puts
    its odd element at the end), while torch's padding= trims both ends alike; so the result is
    cropped at the end instead."""

    def __init__(self, *args, cropped_size, **options):
        super().__init__(*args, **options)
        self.cropped_size = tuple(cropped_size)

    def forward(self, x):
        height, width = self.cropped_size
        return super().forward(x)[:, :, :height, :width]
''',
    imports=("from torch import nn",),
)


@dataclass(frozen=True)
class Conv2DTranspose(LayerKind):
    filters: int
    kernel_size: tuple[int, int]  # required, as in Keras
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    output_padding: tuple[int, int] | None = None  # None: Keras's default output size
    dilation_rate: tuple[int, int] = (1, 1)
    activation: str | None = None
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "Conv2DTranspose"
    example_arguments: ClassVar[dict] = {"filters": 2, "kernel_size": (3, 3)}
    pair_fields: ClassVar[tuple[str, ...]] = ("kernel_size", "strides", "output_padding", "dilation_rate")

    def __post_init__(self):
        super().__post_init__()
        refuse(self)

    def refusal(self) -> str | None:
        return keras_refusal(self)

    @property
    def activation_name(self):
        return self.activation

    def output_shape(self, input_shape):
        channels(input_shape, 3, "Conv2DTranspose")
        kernel, strides, dilation = pair(self.kernel_size), pair(self.strides), pair(self.dilation_rate)
        extras = (None, None) if self.output_padding is None else pair(self.output_padding)
        sizes = tuple(output_size(input_shape[axis], kernel[axis], strides[axis], self.padding, extras[axis], dilation[axis]) for axis in (0, 1))
        return activated((*sizes, self.filters), self.activation)

    def parameter_count(self, input_shape):
        kernel_height, kernel_width = pair(self.kernel_size)
        return kernel_height * kernel_width * input_shape[-1] * self.filters + (self.filters if self.use_bias else 0)

    export_layout: ClassVar[str] = CHANNELS_FIRST

    def build(self, input_shape, context):
        return ChannelsLastConvTranspose2d(input_shape[-1], self, input_shape)

    def emit(self, context):
        kernel, strides, dilation = pair(self.kernel_size), pair(self.strides), pair(self.dilation_rate)
        extras = (None, None) if self.output_padding is None else pair(self.output_padding)
        axes = [(context.input_shape[axis], kernel[axis], strides[axis], self.padding, extras[axis], dilation[axis]) for axis in (0, 1)]
        padding, output_padding, crops = zip(*(torch_arguments(*options) for options in axes))
        cropped = any(crops)
        arguments = call_arguments(
            context.input_shape[-1], self.filters, compact(kernel),
            stride=compact(strides) if max(strides) > 1 else None,
            padding=compact(padding) if any(padding) else None,
            output_padding=compact(output_padding) if any(output_padding) else None,
            dilation=compact(dilation) if max(dilation) > 1 else None,
            bias=None if self.use_bias else False,
            cropped_size=tuple(output_size(*options) for options in axes) if cropped else None,
        )
        fields = weight_initialization(self.kernel_initializer, self.bias_initializer if self.use_bias else None)
        rules = (CROPPED_CONV_TRANSPOSE,) if cropped else ()
        constructor = CROPPED_CONV_TRANSPOSE.name if cropped else "nn.ConvTranspose2d"
        return Emitted(f"{context.module}({context.argument})", f"{constructor}({arguments})", fields["initialization"], fields["rules"] + rules, initializers=fields["initializers"])

    def initialize(self, module):
        # torch's fans of (in, out, kh, kw) are Keras's of (kh, kw, out, in): out * kh * kw in,
        # in * kh * kw out, so the weight is initialised in place.
        initialize(module.weight, self.kernel_initializer)
        if module.bias is not None:
            initialize(module.bias, self.bias_initializer)

    def weights(self):
        return (WeightRow("kernel", "weight", HWOI_TO_IOHW),) + ((WeightRow("bias", "bias", COPY),) if self.use_bias else ())

    @classmethod
    def from_keras(cls, config, where):
        return construct_refusing(cls, read_fields(cls, config, where), where)

    @classmethod
    def conformance_cases(cls):
        cases = []
        for kernel in (2, 3):
            for padding in ("valid", "same"):
                for stride in (1, 2):
                    label = f"kernel {kernel}, {padding}, stride {stride}, input 5x4"
                    cases.append((label, (5, 4, 2), cls(3, (kernel, kernel), strides=(stride, stride), padding=padding)))
        return cases + [
            ("kernel 3, same, strides (2, 1), input 4x5", (4, 5, 2), cls(3, (3, 3), strides=(2, 1), padding="same")),
            ("kernel 2, valid, stride 3 (default output_padding 1)", (4, 5, 2), cls(2, (2, 2), strides=(3, 3))),
            ("kernel 2, valid, stride 3, output_padding (2, 0)", (4, 5, 2), cls(2, (2, 2), strides=(3, 3), output_padding=(2, 0))),
            ("kernel 3, valid, stride 2, output_padding 1", (5, 4, 2), cls(2, (3, 3), strides=(2, 2), output_padding=(1, 1))),
            ("kernel 3, same, stride 2, output_padding 0", (5, 4, 2), cls(2, (3, 3), strides=(2, 2), padding="same", output_padding=(0, 0))),
            ("kernel 3, same, stride 2, output_padding 1", (5, 4, 2), cls(2, (3, 3), strides=(2, 2), padding="same", output_padding=(1, 1))),
            (
                "kernel 4, same, stride 2, output_padding 1 (crop 1 before, 2 after)", (5, 4, 2),
                cls(2, (4, 4), strides=(2, 2), padding="same", output_padding=(1, 1)),
            ),
            ("kernel 2, same, stride 3, output_padding (1, 2)", (4, 5, 2), cls(2, (2, 2), strides=(3, 3), padding="same", output_padding=(1, 2))),
            ("kernel 1, same, stride 2 (a zero row and column at the end)", (4, 5, 2), cls(2, (1, 1), strides=(2, 2), padding="same")),
            ("kernel 3, stride 1, output_padding 0", (5, 4, 2), cls(2, (3, 3), output_padding=(0, 0))),
            ("kernel 3x2, strides (1, 2), same, relu", (5, 4, 2), cls(3, (3, 2), strides=(1, 2), padding="same", activation="relu")),
            (
                "kernel 3, stride 2, same, no bias, tanh, he_uniform", (4, 5, 2),
                cls(3, (3, 3), strides=(2, 2), padding="same", use_bias=False, activation="tanh", kernel_initializer="he_uniform"),
            ),
        ]
