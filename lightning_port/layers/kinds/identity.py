"""``keras.layers.Identity``: its input, unchanged (no torch module: the backbone passes the
tensor on). Keras also accepts a nested structure of tensors; the port's graph calls it on one
tensor, and a list call is refused when the graph is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lightning_port.layers.base import LayerKind
from lightning_port.layers.emit import EITHER, Emitted
from lightning_port.layers.kinds.case_models import single


@dataclass(frozen=True)
class Identity(LayerKind):
    keras_class: ClassVar[str] = "Identity"
    supports_masking: ClassVar[bool] = True  # Keras's: a mask passes through

    export_layout: ClassVar[str] = EITHER

    def build(self, input_shape, context):
        return None

    def emit(self, context):
        return Emitted(context.argument)

    @classmethod
    def conformance_cases(cls):
        return [("of (4,)", (), single(cls(), (4,))), ("of (2, 3, 4)", (), single(cls(), (2, 3, 4)))]
