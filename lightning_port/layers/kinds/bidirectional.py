"""``keras.layers.Bidirectional(layer, merge_mode="concat", backward_layer=None)``: a recurrent
layer run forward and backward over the sequence, merged (``keras/src/layers/rnn/bidirectional.py``).

Keras copies ``layer`` into ``forward_<name>`` and, unless ``backward_layer`` is given, into
``backward_<name>`` with ``go_backwards=True``; both copies get ``zero_output_for_mask =
return_sequences`` whatever the layer had (so masked steps of merged sequences are zeros). The
spec keeps the layers with that option at its default, which Keras ignores, and builds them with
it set as Keras sets it. The backward sequence is flipped back before
the merge (``concat``, ``sum``, ``ave``, ``mul``, or ``None``: two outputs); with
``return_state`` the outputs are followed by the forward then the backward states, and an
``initial_state`` list is split in halves the same way. The weights are the forward copy's,
then the backward copy's, under their names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.layers.config import UnsupportedLayer, read_fields, snake_case
from lightning_port.layers.kinds.lstm import LSTM
from lightning_port.layers.kinds.recurrent import RecurrentKind
from lightning_port.layers.kinds.refusals import construct_refusing, refuse
from lightning_port.ops.windows import LayerShapeError

MERGE_MODES = ("concat", "sum", "ave", "mul", None)


def _keeping_creation(original: LayerKind, changed: LayerKind) -> LayerKind:
    """``changed`` made in ``original``'s place in the creation order (Keras names layers in it)."""
    object.__setattr__(changed, "_created", original._created)
    return changed


def removeprefix(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class BidirectionalRecurrence(nn.Module):
    def __init__(self, forward_layer: nn.Module, backward_layer: nn.Module, layer: Bidirectional):
        super().__init__()
        self.forward_layer, self.backward_layer = forward_layer, backward_layer
        self.merge_mode, self.return_sequences, self.return_state = layer.merge_mode, layer.layer.return_sequences, layer.layer.return_state

    def forward(self, inputs, initial_state=None, mask=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        forward = self.forward_layer(inputs, initial_state=forward_state, mask=mask)
        backward = self.backward_layer(inputs, initial_state=backward_state, mask=mask)
        states = []
        if self.return_state:
            states = [*forward[1:], *backward[1:]]
            forward, backward = forward[0], backward[0]
        if self.return_sequences:
            backward = backward.flip(1)
        if self.merge_mode == "concat":
            outputs = [torch.cat([forward, backward], dim=-1)]
        elif self.merge_mode == "sum":
            outputs = [forward + backward]
        elif self.merge_mode == "ave":
            outputs = [(forward + backward) / 2]
        elif self.merge_mode == "mul":
            outputs = [forward * backward]
        else:
            outputs = [forward, backward]
        return tuple(outputs + states) if len(outputs) + len(states) > 1 else outputs[0]

    def extra_repr(self) -> str:
        return f"merge_mode={self.merge_mode}"


@dataclass(frozen=True)
class Bidirectional(LayerKind):
    layer: LayerKind
    merge_mode: str | None = "concat"
    backward_layer: LayerKind | None = None
    keras_class: ClassVar[str] = "Bidirectional"
    example_arguments: ClassVar[dict] = {"layer": LSTM(4)}
    supports_masking: ClassVar[bool] = True
    takes_mask: ClassVar[bool] = True

    def __post_init__(self):
        for field_name in ("layer", "backward_layer"):
            inner = getattr(self, field_name)
            if isinstance(inner, RecurrentKind) and inner.zero_output_for_mask:
                object.__setattr__(self, field_name, _keeping_creation(inner, replace(inner, zero_output_for_mask=False)))
        super().__post_init__()
        refuse(self)

    def refusal(self) -> str | None:
        for field_name in ("layer", "backward_layer"):
            inner = getattr(self, field_name)
            if inner is not None and not isinstance(inner, RecurrentKind):
                return f"option {field_name}={inner.keras_class} is not supported (SimpleRNN, LSTM or GRU)"
        if self.merge_mode not in MERGE_MODES:
            return f"option merge_mode={self.merge_mode!r} is not supported; Keras takes one of 'concat', 'sum', 'ave', 'mul' or None"
        backward = self.backward
        if self.layer.go_backwards == backward.go_backwards:
            return f"the forward and backward layers both have go_backwards={backward.go_backwards} (Keras refuses it)"
        for option in ("return_sequences", "return_state"):
            if getattr(self.layer, option) != getattr(backward, option):
                return f"the forward and backward layers differ in {option} (Keras refuses it)"
        return None

    # ---- the two layers, as Keras makes them ----
    @property
    def forward(self) -> RecurrentKind:
        """The forward layer as Keras runs it: zero_output_for_mask = return_sequences."""
        return replace(self.layer, zero_output_for_mask=self.layer.return_sequences)

    @property
    def backward(self) -> RecurrentKind:
        """The backward layer as Keras runs it: the one given, else the forward one with
        go_backwards=True; zero_output_for_mask = return_sequences."""
        backward = self.backward_layer if self.backward_layer is not None else replace(self.layer, go_backwards=True, name=None)
        return replace(backward, zero_output_for_mask=backward.return_sequences)

    def _inner_name(self, layer: LayerKind) -> str:
        return layer.name or snake_case(layer.keras_class)

    @property
    def forward_name(self) -> str:
        return f"forward_{removeprefix(self._inner_name(self.layer), 'forward_')}"

    @property
    def backward_name(self) -> str:
        if self.backward_layer is not None:
            return self._inner_name(self.backward_layer)
        return f"backward_{removeprefix(self._inner_name(self.layer), 'backward_')}"

    def wrapped_layers(self):
        return (self.layer,) if self.backward_layer is None else (self.layer, self.backward_layer)

    def recurrent_cells(self):
        """The forward layer's cell, then the backward layer's, as Keras calls them."""
        return (("forward", self.layer), ("backward", self.backward))

    def with_wrapped_layers(self, layers):
        return replace(self, layer=layers[0], backward_layer=layers[1] if len(layers) > 1 else None)

    # ---- shapes ----
    def output_shapes(self, input_shape):
        shapes = self.layer.output_shapes(input_shape)
        output, states = shapes[0], shapes[1:]
        if self.merge_mode == "concat":
            outputs = ((*output[:-1], 2 * output[-1]),)
        elif self.merge_mode is None:
            outputs = (output, output)
        else:
            outputs = (output,)
        return outputs + (states + states if self.layer.return_state else ())

    def output_shape(self, input_shape):
        return self.output_shapes(input_shape)[0]

    def parameter_count(self, input_shape):
        return self.layer.parameter_count(input_shape) + self.backward.parameter_count(input_shape)

    def masked_outputs(self, input_shape, input_masked):
        shapes = self.output_shapes(input_shape)
        merged = 2 if self.merge_mode is None else 1
        flag = bool(input_masked) and self.layer.return_sequences
        return (flag,) * merged + (False,) * (len(shapes) - merged)

    def compute_mask(self, inputs, mask, outputs):
        merged = 2 if self.merge_mode is None else 1
        carried = mask if self.layer.return_sequences else None
        return [carried] * merged + [None] * (len(outputs) - merged)

    # ---- torch ----
    def build(self, input_shape, context):
        return BidirectionalRecurrence(self.forward.build(input_shape, context), self.backward.build(input_shape, context), self)

    def initialize(self, module):
        self.forward.initialize(module.forward_layer)
        self.backward.initialize(module.backward_layer)

    def weights(self):
        rows = []
        for prefix, attribute, layer in ((self.forward_name, "forward_layer", self.layer), (self.backward_name, "backward_layer", self.backward)):
            rows += [WeightRow(f"{prefix}/{row.keras}", f"{attribute}.{row.torch}", row.translation, row.trainable) for row in layer.weights()]
        return tuple(rows)

    # ---- Keras configs ----
    @classmethod
    def from_keras(cls, config, where):
        from lightning_port.layers.keras_graph import read_layer

        values = read_fields(cls, config, where, handled={"layer": None, "backward_layer": None})
        if not isinstance(config.get("layer"), dict):
            raise UnsupportedLayer(f"{where}: a Bidirectional layer without its layer's config")
        forward = read_layer(config["layer"])
        forward_name = forward.name
        # zero_output_for_mask as the spec keeps it (Keras sets it on its copies whatever it was).
        if not isinstance(forward, RecurrentKind):
            raise UnsupportedLayer(f"{where}: option layer={forward.keras_class} is not supported (SimpleRNN, LSTM or GRU)")
        layer = replace(forward, name=removeprefix(forward_name, "forward_") if forward_name else None, zero_output_for_mask=False)
        backward = read_layer(config["backward_layer"]) if isinstance(config.get("backward_layer"), dict) else None
        if isinstance(backward, RecurrentKind):
            backward = replace(backward, zero_output_for_mask=False)
        derived = replace(layer, go_backwards=True, name=f"backward_{removeprefix(layer.name or '', 'backward_')}")
        if backward is not None and backward == derived:
            backward = None  # the one Keras derives from the forward layer
        return construct_refusing(cls, {**values, "layer": layer, "backward_layer": backward}, where)

    def keras_arguments(self):
        arguments = super().keras_arguments()
        if self.backward_layer is None:
            arguments.pop("backward_layer")
        return arguments

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.kinds.case_models import masked_by_embedding, stateful_heads
        from lightning_port.layers.registry import kind_classes

        kinds = kind_classes()
        GRU, SimpleRNN = kinds["GRU"], kinds["SimpleRNN"]
        cases = [(f"LSTM, merge_mode {mode!r}", (5, 3), cls(LSTM(3), merge_mode=mode)) for mode in ("concat", "sum", "ave", "mul")]
        cases += [
            ("GRU, return_sequences, concat", (5, 3), cls(GRU(3, return_sequences=True))),
            ("SimpleRNN, return_sequences, ave", (5, 3), cls(SimpleRNN(3, return_sequences=True), merge_mode="ave")),
            ("GRU reset_after=False, sum", (5, 3), cls(GRU(3, reset_after=False), merge_mode="sum")),
            ("a backward_layer given (a GRU backwards under an LSTM)", (5, 3), cls(LSTM(3), backward_layer=GRU(3, go_backwards=True))),
            ("merge_mode None (two outputs)", (), stateful_heads_free(cls(LSTM(3, return_sequences=True), merge_mode=None))),
            ("return_state, concat (output and four states)", (), stateful_heads(cls(LSTM(3, return_state=True)), (5, 2))),
            ("return_state, merge_mode None, GRU", (), stateful_heads(cls(GRU(2, return_state=True, return_sequences=True), merge_mode=None), (4, 2))),
            ("mask from Embedding(mask_zero=True), LSTM", (), masked_by_embedding(cls(LSTM(3)))),
            ("mask, return_sequences (masked steps zero), concat", (), masked_by_embedding(cls(LSTM(3, return_sequences=True)))),
            ("mask, return_sequences, merge_mode None, GRU", (), masked_by_embedding(cls(GRU(3, return_sequences=True), merge_mode=None))),
            # TensorFlow's unrolled loop zeroes the backward layer's masked outputs by the mask as
            # given, not reversed (backend/tensorflow/rnn.py): the port reproduces it.
            ("mask, unroll, return_sequences (the backward copy zeroes by the unreversed mask)", (), masked_by_embedding(cls(SimpleRNN(3, return_sequences=True, unroll=True)))),
        ]
        return cases


def stateful_heads_free(layer):
    """A layer with several outputs on a Dense branch, its outputs read together by the head."""
    from lightning_port.layers.kinds.case_models import branch, flat_together, HEAD_UNITS
    from lightning_port.layers.kinds.model import Model
    from lightning_port.layers.registry import kind_classes

    inputs, tensor = branch((5, 3))
    return Model(inputs, kind_classes()["Dense"](HEAD_UNITS)(flat_together(layer(tensor))))
