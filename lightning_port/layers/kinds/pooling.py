"""``keras.layers.MaxPooling1D/2D`` and ``AveragePooling1D/2D`` on channels-last tensors.

"same" max pooling pads with -inf (padding never wins); "same" average pooling divides each
window's sum by the number of real inputs in it, as TensorFlow's pooling does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import torch.nn.functional as F
from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.config import construct, read_fields
from lightning_port.layers.emit import CHANNELS_FIRST, Emitted, Rule, call_arguments, compact
from lightning_port.layers.kinds.convolution import TENSORFLOW_SAME_PADDING
from lightning_port.ops.windows import pad_spatial, pair, window_output, window_padding


class ChannelsLastPooling(nn.Module):
    """Max or average pooling, 1-D or 2-D, "valid" or "same", on channels-last tensors."""

    def __init__(self, layer, input_shape):
        super().__init__()
        self.average = layer.average
        self.two_dimensional = layer.rank == 3
        kernel = pair(layer.pool_size) if self.two_dimensional else (layer.pool_size,)
        strides = pair(layer.strides or layer.pool_size) if self.two_dimensional else (layer.strides or layer.pool_size,)
        self.kernel, self.strides = tuple(kernel), tuple(strides)
        self.padding = window_padding(layer.padding, input_shape[: len(kernel)], kernel, strides, [1] * len(kernel))
        self.padded = any(before or after for before, after in self.padding)

    def _pool(self, channels_last):
        if self.two_dimensional:
            pool = F.avg_pool2d if self.average else F.max_pool2d
            return pool(channels_last.permute(0, 3, 1, 2), self.kernel, self.strides).permute(0, 2, 3, 1)
        pool = F.avg_pool1d if self.average else F.max_pool1d
        return pool(channels_last.permute(0, 2, 1), self.kernel, self.strides).permute(0, 2, 1)

    def forward(self, inputs):
        if not self.padded:
            return self._pool(inputs)
        if not self.average:
            return self._pool(pad_spatial(inputs, self.padding, value=float("-inf")))
        # mean over real inputs only: pool the zero-padded values and the padded "is real" mask
        real = pad_spatial(inputs.new_ones(inputs[..., :1].shape), self.padding)
        return self._pool(pad_spatial(inputs, self.padding)) / self._pool(real)

    def extra_repr(self) -> str:
        kind = "average" if self.average else "max"
        return f"{kind}, kernel={self.kernel}, strides={self.strides}, padding={self.padding}"


def _same_pooling_rule(average: bool, dimensions: int) -> Rule:
    base = f"{'Avg' if average else 'Max'}Pool{dimensions}d"
    if average:
        doc = (
            f'''"""Keras's AveragePooling{dimensions}D with padding="same" where it pads: each window's mean over the
    real inputs in it (TensorFlow's rule), the padding placed as TensorFlow places it
    (tensorflow_same_padding): the zero-padded sums divided by the pooled count of real inputs."""'''
        )
        body = """        padding = tensorflow_same_padding(x, self.window, self.steps)
        real = F.pad(torch.ones_like(x[:, :1]), padding)
        return super().forward(F.pad(x, padding)) / super().forward(real)"""
    else:
        doc = (
            f'''"""Keras's MaxPooling{dimensions}D with padding="same" where it pads: padded with -inf (padding never
    wins) where TensorFlow places the padding (tensorflow_same_padding), then pooled."""'''
        )
        body = """        return super().forward(F.pad(x, tensorflow_same_padding(x, self.window, self.steps), value=float("-inf")))"""
    return Rule(
        f"{base}Same",
        f"""class {base}Same(nn.{base}):
    {doc}

    def __init__(self, kernel_size, stride):
        super().__init__(kernel_size, stride)
        self.window, self.steps = tuple(kernel_size), tuple(stride)

    def forward(self, x):
{body}
""",
        imports=("import torch", "import torch.nn.functional as F", "from torch import nn") if average else ("import torch.nn.functional as F", "from torch import nn"),
        requires=(TENSORFLOW_SAME_PADDING,),
    )


class _Pooling(LayerKind):
    average: ClassVar[bool] = False
    rank: ClassVar[int] = 3  # of the input, without the batch axis
    export_layout: ClassVar[str] = CHANNELS_FIRST

    def build(self, input_shape, context):
        return ChannelsLastPooling(self, input_shape)

    def emit(self, context):
        dimensions = self.rank - 1
        kernel = pair(self.pool_size) if dimensions == 2 else (self.pool_size,)
        strides = (pair(self.strides) if dimensions == 2 else (self.strides,)) if self.strides is not None else kernel
        padding = window_padding(self.padding, context.input_shape[:dimensions], kernel, strides, [1] * dimensions)
        base = f"{'Avg' if self.average else 'Max'}Pool{dimensions}d"
        if any(before or after for before, after in padding):
            rule = _same_pooling_rule(self.average, dimensions)
            return Emitted(f"{context.module}({context.argument})", f"{rule.name}({call_arguments(tuple(kernel), tuple(strides))})", rules=(rule,))
        arguments = call_arguments(compact(kernel), stride=compact(strides) if tuple(strides) != tuple(kernel) else None)
        return Emitted(f"{context.module}({context.argument})", f"nn.{base}({arguments})")

    @classmethod
    def from_keras(cls, config, where):
        values = read_fields(cls, config, where)
        if cls.rank == 2:
            for key in ("pool_size", "strides"):  # Keras stores 1-tuples
                if isinstance(values.get(key), tuple) and len(values[key]) == 1:
                    values[key] = values[key][0]
        if values.get("strides") is not None and values.get("strides") == values.get("pool_size"):
            values["strides"] = None  # Keras stores the default (the pool size) explicitly
        return construct(cls, values, where)

    def keras_arguments(self):
        arguments = super().keras_arguments()
        if arguments.get("strides") is None:
            arguments.pop("strides", None)
        return arguments


class _Pooling2D(_Pooling):
    pair_fields: ClassVar[tuple[str, ...]] = ("pool_size", "strides")

    def output_shape(self, input_shape):
        channels(input_shape, 3, self.keras_class)
        height, width, depth = input_shape
        pool, strides = pair(self.pool_size), pair(self.strides or self.pool_size)
        return (window_output(height, pool[0], strides[0], self.padding), window_output(width, pool[1], strides[1], self.padding), depth)

    @classmethod
    def conformance_cases(cls):
        return [
            (f"pool {pool}, strides {strides or pool}, {padding}, input 7x8", (7, 8, 2), cls(pool, strides, padding))
            for padding in ("valid", "same")
            for pool, strides in (((2, 2), None), ((3, 3), (2, 2)), ((2, 3), (1, 2)))
        ]


class _Pooling1D(_Pooling):
    rank: ClassVar[int] = 2

    def output_shape(self, input_shape):
        channels(input_shape, 2, self.keras_class)
        steps, depth = input_shape
        return (window_output(steps, self.pool_size, self.strides or self.pool_size, self.padding), depth)

    @classmethod
    def conformance_cases(cls):
        return [
            (f"pool {pool}, strides {strides or pool}, {padding}, input 9", (9, 2), cls(pool, strides, padding))
            for padding in ("valid", "same")
            for pool, strides in ((2, None), (3, 2))
        ]


@dataclass(frozen=True)
class MaxPooling2D(_Pooling2D):
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = None  # None: the pool size, as in Keras
    padding: str = "valid"
    keras_class: ClassVar[str] = "MaxPooling2D"


@dataclass(frozen=True)
class AveragePooling2D(_Pooling2D):
    pool_size: tuple[int, int] = field()  # required in Keras 3 (MaxPooling2D defaults to (2, 2))
    strides: tuple[int, int] | None = None
    padding: str = "valid"
    keras_class: ClassVar[str] = "AveragePooling2D"
    example_arguments: ClassVar[dict] = {"pool_size": (3, 3)}
    average: ClassVar[bool] = True


@dataclass(frozen=True)
class MaxPooling1D(_Pooling1D):
    pool_size: int = 2
    strides: int | None = None
    padding: str = "valid"
    keras_class: ClassVar[str] = "MaxPooling1D"


@dataclass(frozen=True)
class AveragePooling1D(_Pooling1D):
    pool_size: int = field()  # required in Keras 3 (MaxPooling1D defaults to 2)
    strides: int | None = None
    padding: str = "valid"
    keras_class: ClassVar[str] = "AveragePooling1D"
    example_arguments: ClassVar[dict] = {"pool_size": 3}
    average: ClassVar[bool] = True
