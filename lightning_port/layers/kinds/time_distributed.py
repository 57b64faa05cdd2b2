"""``keras.layers.TimeDistributed(layer)``: one layer applied to every time step of (batch, time,
...) with the same weights (``keras/src/layers/rnn/time_distributed.py``).

Keras calls the layer on each step's slice and stacks the results; the port folds the time
axis into the batch axis and calls it once, which computes the same values for a layer that
treats samples independently. BatchNormalization does not in training (Keras computes batch
statistics per step and updates its moving statistics once per step, in order), so it is
called step by step, as Keras does. The wrapped layer's activation is applied inside (Keras's
stacked output carries no softmax for its crossentropy to recover logits from). A mask passes
through, as Keras's does; a wrapped layer that would take the mask, or a nested model, is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.layers.config import UnsupportedLayer, read_fields, snake_case
from lightning_port.layers.kinds.dense import Dense
from lightning_port.layers.kinds.refusals import construct_refusing, refuse
from lightning_port.ops.activations import ACTIVATION_FUNCTIONS
from lightning_port.ops.windows import LayerShapeError

# Layers whose result on a batch is not their results on its parts, stacked: called per step.
_PER_STEP = ("BatchNormalization",)


class EveryStep(nn.Module):
    def __init__(self, layer: nn.Module | None, activation: str | None, per_step: bool):
        super().__init__()
        self.layer = layer
        self.activation = None if activation in (None, "linear") else ACTIVATION_FUNCTIONS[activation]
        self.per_step = per_step

    def _call(self, inputs):
        outputs = inputs if self.layer is None else self.layer(inputs)
        return outputs if self.activation is None else self.activation(outputs)

    def forward(self, inputs):
        if self.per_step:
            return torch.stack([self._call(inputs[:, step]) for step in range(inputs.shape[1])], dim=1)
        batch, steps = inputs.shape[:2]
        outputs = self._call(inputs.reshape(batch * steps, *inputs.shape[2:]))
        return outputs.reshape(batch, steps, *outputs.shape[1:])


@dataclass(frozen=True)
class TimeDistributed(LayerKind):
    layer: LayerKind
    keras_class: ClassVar[str] = "TimeDistributed"
    example_arguments: ClassVar[dict] = {"layer": Dense(4)}
    supports_masking: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        refuse(self)

    def refusal(self) -> str | None:
        inner = self.layer
        if not isinstance(inner, LayerKind):
            return f"option layer={inner!r} is not supported (a Keras layer)"
        if inner.keras_class in ("Sequential", "Functional", "Bidirectional", "TimeDistributed"):
            return f"option layer={inner.keras_class} is not supported (a single layer: wrap its layers one by one)"
        if inner.takes_list:
            return f"option layer={inner.keras_class} is not supported (a layer called on one tensor)"
        return None

    @property
    def inner_name(self) -> str:
        return self.layer.name or snake_case(self.layer.keras_class)

    def wrapped_layers(self):
        return (self.layer,)

    def with_wrapped_layers(self, layers):
        return replace(self, layer=layers[0])

    def output_shapes(self, input_shape):
        if len(input_shape) < 2:
            raise LayerShapeError(f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: {(None, *input_shape)}")
        shapes = self.layer.output_shapes(tuple(input_shape[1:]))
        if len(shapes) != 1:
            raise LayerShapeError(f"TimeDistributed of a layer with {len(shapes)} outputs is not supported")
        return ((input_shape[0], *shapes[0]),)

    def parameter_count(self, input_shape):
        return self.layer.parameter_count(tuple(input_shape[1:]))

    def masked_outputs(self, input_shape, input_masked):
        if input_masked and self.layer.takes_mask:
            raise UnsupportedLayer(f"a Keras mask reaching TimeDistributed({self.layer.keras_class}) is not supported (Keras hands each step's mask to the wrapped layer)")
        return (bool(input_masked),)

    def build(self, input_shape, context):
        module = self.layer.build(tuple(input_shape[1:]), context)
        return EveryStep(module, self.layer.activation_name, self.layer.keras_class in _PER_STEP)

    def initialize(self, module):
        if module.layer is not None:
            self.layer.initialize(module.layer)

    def weights(self):
        return tuple(WeightRow(f"{self.inner_name}/{row.keras}", f"layer.{row.torch}", row.translation, row.trainable) for row in self.layer.weights())

    @classmethod
    def from_keras(cls, config, where):
        from lightning_port.layers.keras_graph import read_layer

        values = read_fields(cls, config, where, handled={"layer": None})
        if not isinstance(config.get("layer"), dict):
            raise UnsupportedLayer(f"{where}: a TimeDistributed layer without its layer's config")
        return construct_refusing(cls, {**values, "layer": read_layer(config["layer"])}, where)

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.kinds.case_models import masked_by_embedding
        from lightning_port.layers.registry import kind_classes

        kinds = kind_classes()
        return [
            ("Dense 4 on (5, 3)", (5, 3), cls(kinds["Dense"](4))),
            ("Dense 3 softmax (applied inside: no logits for the loss)", (5, 3), cls(kinds["Dense"](3, activation="softmax"))),
            ("Conv2D on (3, 6, 6, 2) frames", (3, 6, 6, 2), cls(kinds["Conv2D"](2, (3, 3), activation="relu"))),
            ("Flatten on (4, 3, 2)", (4, 3, 2), cls(kinds["Flatten"]())),
            ("BatchNormalization (per step, as Keras)", (4, 3), cls(kinds["BatchNormalization"]())),
            ("Dense after a masked LSTM sequence (the mask passes)", (), masked_by_embedding(cls(kinds["Dense"](2)))),
        ]
