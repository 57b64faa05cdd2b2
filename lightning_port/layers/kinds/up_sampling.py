"""``keras.layers.UpSampling2D(size, interpolation)`` on (N, H, W, C), as Keras computes it on
TensorFlow: "nearest" repeats each row and column (Keras's ``ops.repeat``, not an image
resize); "bilinear" and "bicubic" are ``tf.image.resize`` without antialiasing, TensorFlow's
kernels reproduced operation for operation, float32 weights and arithmetic and their gradient
kernels included (``image_resize.py`` says how). "area" is refused: TensorFlow has no gradient
for it, so Keras cannot train such a model; "lanczos3" and "lanczos5" (TensorFlow's
``ScaleAndTranslate`` kernel) are not reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.config import UnsupportedLayer, construct, read_fields
from lightning_port.layers.emit import CHANNELS_FIRST, Emitted, NotExportable
from lightning_port.layers.kinds.case_models import single
from lightning_port.layers.kinds.image_resize import TensorFlowResize
from lightning_port.ops.windows import LayerShapeError

INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
REFUSALS = {
    "area": "TensorFlow has no gradient for its ResizeArea kernel, so Keras cannot train the model",
    "lanczos3": "TensorFlow's ScaleAndTranslate kernel is not reproduced",
    "lanczos5": "TensorFlow's ScaleAndTranslate kernel is not reproduced",
}


class NearestRepeat(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.size = tuple(size)

    def forward(self, inputs):
        return inputs.repeat_interleave(self.size[0], dim=1).repeat_interleave(self.size[1], dim=2)

    def extra_repr(self) -> str:
        return f"size={self.size}, nearest"


@dataclass(frozen=True)
class UpSampling2D(LayerKind):
    size: tuple[int, int] = (2, 2)
    interpolation: str = "nearest"
    keras_class: ClassVar[str] = "UpSampling2D"
    pair_fields: ClassVar[tuple[str, ...]] = ("size",)

    def __post_init__(self):
        object.__setattr__(self, "interpolation", self.interpolation.lower())  # as Keras stores it
        super().__post_init__()

    def output_shape(self, input_shape):
        channels(input_shape, 3, "UpSampling2D")
        if self.interpolation not in INTERPOLATIONS:
            raise LayerShapeError(refusal(self.interpolation))
        if min(self.size) <= 0:
            raise LayerShapeError(f"`size` must be positive. Received: size={self.size}")
        height, width, depth = input_shape
        return (height * self.size[0], width * self.size[1], depth)

    export_layout: ClassVar[str] = CHANNELS_FIRST

    def emit(self, context):
        if self.interpolation != "nearest":
            raise NotExportable(f"{context.where}: interpolation {self.interpolation!r} is not exported yet (TensorFlow's resize kernels)")
        # Keras repeats rows and columns (ops.repeat); so does repeat_interleave, gradients included.
        rows, columns = self.size
        return Emitted(f"{context.argument}.repeat_interleave({rows}, dim=2).repeat_interleave({columns}, dim=3)")

    def build(self, input_shape, context):
        if self.interpolation == "nearest":
            return NearestRepeat(self.size)
        return TensorFlowResize(input_shape, self.size, self.interpolation)

    @classmethod
    def from_keras(cls, config, where):
        interpolation = str(config.get("interpolation", "nearest")).lower()
        if interpolation not in INTERPOLATIONS:
            raise UnsupportedLayer(f"{where}: {refusal(interpolation)}")
        return construct(cls, read_fields(cls, config, where), where)

    @classmethod
    def conformance_cases(cls):
        return [
            (f"size {size}, {interpolation}, of {shape[0]}x{shape[1]}", (), single(cls(size, interpolation=interpolation), shape))
            for interpolation in INTERPOLATIONS
            for size, shape in (((2, 2), (3, 3, 2)), ((3, 2), (2, 3, 2)), ((1, 3), (3, 2, 3)), ((2, 3), (1, 2, 2)))
        ]


def refusal(interpolation: str) -> str:
    reason = REFUSALS.get(interpolation, "not an interpolation Keras's TensorFlow backend accepts")
    return f"option interpolation={interpolation!r} is not supported ({reason}; supported: {', '.join(INTERPOLATIONS)})"
