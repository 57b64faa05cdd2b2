"""What ``keras.layers.SimpleRNN``, ``LSTM`` and ``GRU`` share: Keras's ``RNN`` layer
(``keras/src/layers/rnn/rnn.py``) around a cell, and the torch module that runs it.

The module holds Keras's three weights in torch's layout (``kernel`` as torch's ``weight_ih``,
``recurrent_kernel`` as ``weight_hh``, gates in torch's order: the weight table permutes
them) and runs one of two paths, both on Keras's arithmetic:

- **fused**: the kernel ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` run (``torch.lstm``, ``torch.gru``,
  ``torch.rnn_tanh`` / ``rnn_relu``), where its formulas are Keras's: the default activations,
  no mask, no recurrent dropout (and for GRU ``reset_after=True``). torch's kernels add two
  biases; where Keras has one, the second is a zero tensor made for the call, never a weight,
  so nothing trains it. Input dropout, one mask per sequence as Keras draws it, multiplies the
  whole sequence before the kernel.
- **loop**: Keras's cell step by step (``backend/tensorflow/rnn.py``'s loop, the cells'
  ``call``), in each cell's own order of additions, where no kernel matches: a mask (masked
  steps carry the state and repeat the previous output, or give zeros with
  ``zero_output_for_mask``), recurrent dropout (one mask per sequence and gate, Keras's
  ``implementation=1`` cells), another activation, GRU's ``reset_after=False``.

``go_backwards`` reverses the sequence (and its mask) and returns the outputs in processing
order, as Keras does. ``unroll`` changes how TensorFlow schedules the loop, not what it
computes (the unrolled and the while-loop paths apply masks alike), so both values run the
same way here. ``stateful=True`` is refused: it carries each sample's last state into the
next batch, which needs a fixed batch size and batches in order, and the port's training
shuffles as ``fit`` does and starts each batch from zeros.

Dropout masks in training come from torch's generator (the run's seeded dropout stream, as
``nn.Dropout``'s do); ``Recurrence.injected_masks`` lets the parity trajectories give both
frameworks the same masks.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lightning_port.layers.base import LayerKind, channels
from lightning_port.layers.config import read_fields
from lightning_port.layers.kinds.refusals import construct_refusing, refuse
from lightning_port.ops.activations import ACTIVATION_FUNCTIONS
from lightning_port.ops.initializers import initialize
from lightning_port.ops.windows import LayerShapeError


def activation_function(name: str | None):
    return (lambda x: x) if name in (None, "linear") else ACTIVATION_FUNCTIONS[name]


class Recurrence(nn.Module):
    """One recurrent layer on (batch, time, features) (module docstring). Subclasses give the
    cell: ``gates``, the fused kernel if any (``fused``), and one step (``step``)."""

    # Every recurrent module runs the loop (``loop_everywhere``): the evidence holds the loop
    # path to the float64 truth on the configurations the fused kernel would otherwise take.
    loop_everywhere: ClassVar[bool] = False

    gates: ClassVar[int] = 1
    states: ClassVar[int] = 1  # LSTM: 2 (h and c)
    # Keras's cells with recurrent dropout use one input and one recurrent mask per gate
    # (``implementation=1``); SimpleRNN's cell always uses one.
    masks_per_gate: ClassVar[bool] = True

    def __init__(self, layer: RecurrentKind, features: int):
        super().__init__()
        self.units = layer.units
        self.features = features
        self.activation = activation_function(layer.activation)
        self.recurrent_activation = activation_function(getattr(layer, "recurrent_activation", None))
        self.dropout, self.recurrent_dropout = layer.dropout, layer.recurrent_dropout
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.go_backwards, self.zero_output_for_mask = layer.go_backwards, layer.zero_output_for_mask
        self.unroll = layer.unroll
        self.kernel = nn.Parameter(torch.empty(self.gates * self.units, features))
        self.recurrent_kernel = nn.Parameter(torch.empty(self.gates * self.units, self.units))
        self.bias = nn.Parameter(torch.empty(layer.bias_shape())) if layer.use_bias else None
        self.fusable = self.kernel_matches(layer)
        # Set by the benchmark and the tests: run the loop even where the fused kernel matches.
        self.force_loop = False
        # Set by the parity trajectories: a function (module, input masks, recurrent masks) ->
        # the masks to use instead of the drawn ones (None: draw them).
        self.injected_masks = None

    # ---- the cell (subclasses) ----
    def kernel_matches(self, layer) -> bool:
        return False

    def fused(self, inputs, states):
        raise NotImplementedError

    def project(self, inputs, input_masks):
        """The input side of every step at once, (batch, time, gates * units) in torch's gate
        order, as Keras's cell computes it before the recurrent side is added."""
        raise NotImplementedError

    def step(self, projected, states, recurrent_masks):
        """One step: (output, new states)."""
        raise NotImplementedError

    # Torch's block of each of Keras's gates (GRU: Keras's (z, r, h) are torch's blocks 1, 0, 2).
    torch_blocks: ClassVar[tuple[int, ...]] = (0,)

    def project_inputs(self, inputs, input_masks, bias):
        """``inputs @ kernel (+ bias)`` for every step at once, (batch, time, gates * units) in
        torch's gate order; with one dropout mask per gate, each gate's block from its own
        masked inputs, as Keras's ``implementation=1`` cells compute them."""
        if input_masks is None or len(input_masks) == 1:
            masked = inputs if input_masks is None else inputs * input_masks[0].unsqueeze(1)
            projected = torch.matmul(masked, self.kernel.t())
            return projected if bias is None else projected + bias
        blocks = {}
        for gate, block in enumerate(self.torch_blocks):
            rows = slice(block * self.units, (block + 1) * self.units)
            part = torch.matmul(inputs * input_masks[gate].unsqueeze(1), self.kernel[rows].t())
            blocks[block] = part if bias is None else part + bias[rows]
        return torch.cat([blocks[block] for block in sorted(blocks)], dim=-1)

    def recurrent_blocks(self, state, recurrent_masks, rows: slice | None = None):
        """``state @ recurrent_kernel`` for the torch rows ``rows`` (all by default); with
        recurrent dropout, each Keras gate's block from the state times its own mask."""
        rows = rows or slice(0, self.gates * self.units)
        if recurrent_masks is None:
            return torch.matmul(state, self.recurrent_kernel[rows].t())
        blocks = []
        for gate, block in sorted(enumerate(self.torch_blocks), key=lambda item: item[1]):
            block_rows = slice(block * self.units, (block + 1) * self.units)
            if rows.start <= block_rows.start and block_rows.stop <= rows.stop:
                mask = recurrent_masks[min(gate, len(recurrent_masks) - 1)]
                blocks.append(torch.matmul(state * mask, self.recurrent_kernel[block_rows].t()))
        return torch.cat(blocks, dim=-1)

    # ---- dropout masks ----

    def _draw(self, batch: int, width: int, rate: float, reference: torch.Tensor, separate: bool):
        if not 0.0 < rate < 1.0:
            return None
        count = self.gates if separate and self.masks_per_gate else 1
        ones = reference.new_ones(batch, width)
        return [F.dropout(ones, rate, training=True) for _ in range(count)]

    def dropout_masks(self, inputs: torch.Tensor):
        """(input masks, recurrent masks) of this call, in training: one (batch, width) mask per
        sequence, or one per gate where Keras's cell uses one per gate; None where none apply."""
        if not self.training:
            return None, None
        separate = self.recurrent_dropout > 0  # Keras switches its cell to implementation=1
        batch = inputs.shape[0]
        input_masks = self._draw(batch, self.features, self.dropout, inputs, separate)
        recurrent_masks = self._draw(batch, self.units, self.recurrent_dropout, inputs, separate)
        if self.injected_masks is not None:
            return self.injected_masks(self, input_masks, recurrent_masks)
        return input_masks, recurrent_masks

    # ---- running ----
    def initial_states(self, inputs, initial_state):
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != self.states:
                raise ValueError(f"expected {self.states} initial state tensors, got {len(states)}")
            return [state.to(inputs.dtype) for state in states]
        zeros = inputs.new_zeros(inputs.shape[0], self.units)
        return [zeros] * self.states

    def forward(self, inputs, initial_state=None, mask=None):
        states = self.initial_states(inputs, initial_state)
        input_masks, recurrent_masks = self.dropout_masks(inputs)
        given_mask = mask
        if self.go_backwards:
            inputs = inputs.flip(1)
            mask = None if mask is None else mask.flip(1)
        # torch.compile cannot trace torch's fused RNN kernels under torch.func's gradient (the
        # --compile training step): compiled, the loop runs, which computes the same.
        if self.fusable and not (self.force_loop or Recurrence.loop_everywhere or torch.compiler.is_compiling()) and mask is None and recurrent_masks is None and (input_masks is None or len(input_masks) == 1):
            if input_masks is not None:
                inputs = inputs * input_masks[0].unsqueeze(1)
            outputs, states = self.fused(inputs, states)
            last = outputs[:, -1]
        else:
            outputs, last, states = self._loop(inputs, states, mask, input_masks, recurrent_masks)
            if mask is not None and self.zero_output_for_mask:
                # TensorFlow's unrolled loop zeroes the masked outputs with the mask as given,
                # not reversed for go_backwards, against outputs in processing order: where they
                # differ, so does Keras (backend/tensorflow/rnn.py, the unroll branch).
                zeroing = given_mask if self.unroll else mask
                last = torch.where(mask[:, -1:], last, torch.zeros_like(last))
                if outputs is not None:
                    outputs = torch.where(zeroing.unsqueeze(-1), outputs, torch.zeros_like(outputs))
        output = outputs if self.return_sequences else last
        return (output, *states) if self.return_state else output

    def _loop(self, inputs, states, mask, input_masks, recurrent_masks):
        projected = self.project(inputs, input_masks)
        outputs = []
        previous = None
        for time in range(inputs.shape[1]):
            output, new_states = self.step(projected[:, time], states, recurrent_masks)
            if mask is not None:
                # A masked step keeps the states and repeats the previous output (zeros at the
                # start); zero_output_for_mask zeroes masked outputs afterwards (forward).
                keep = mask[:, time].unsqueeze(-1)
                output = torch.where(keep, output, torch.zeros_like(output) if previous is None else previous)
                new_states = [torch.where(keep, new, old) for new, old in zip(new_states, states)]
                previous = output
            states = new_states
            outputs.append(output)
        return (torch.stack(outputs, dim=1) if self.return_sequences else None), outputs[-1], states

    def extra_repr(self) -> str:
        return f"features={self.features}, units={self.units}, fused kernel={'yes' if self.fusable else 'no'}"


@dataclass(frozen=True, kw_only=True)
class RecurrentKind(LayerKind):
    """The options of Keras's ``RNN`` layer and of its cells' dropout, with Keras's defaults;
    each recurrent kind adds its cell's (units, activations, initializers, ...)."""

    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False
    stateful: bool = False
    unroll: bool = False
    zero_output_for_mask: bool = False

    supports_masking: ClassVar[bool] = True
    takes_mask: ClassVar[bool] = True
    module_class: ClassVar[type[Recurrence]] = Recurrence
    cell_name: ClassVar[str] = ""  # Keras's cell, whose name prefixes the weights ("lstm_cell")

    def __post_init__(self):
        super().__post_init__()
        refuse(self)

    def refusal(self) -> str | None:
        if self.stateful:
            return (
                "option stateful=True is not supported: it carries each sample's last state into the next batch, which needs "
                "a fixed batch size and batches in order; the port trains on shuffled batches (as fit() does) from zero states"
            )
        for option in ("dropout", "recurrent_dropout"):
            value = getattr(self, option)
            if not 0.0 <= value < 1.0:
                return f"option {option}={value!r} is not supported (a rate in [0, 1), as Keras's cells apply it)"
        if isinstance(self.units, bool) or not isinstance(self.units, int) or self.units <= 0:
            return f"option units={self.units!r} is not supported (a positive integer, as Keras requires)"
        return None

    @property
    def gates(self) -> int:
        return self.module_class.gates

    def recurrent_cells(self):
        return ((None, self),)

    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def state_shapes(self):
        return ((self.units,),) * self.module_class.states

    def output_shapes(self, input_shape):
        if len(input_shape) != 2:
            raise LayerShapeError(f"Input 0 of layer \"{self.keras_class}\" is incompatible with the layer: expected ndim=3, found ndim={len(input_shape) + 1}. Full shape received: {(None, *input_shape)}")
        output = (input_shape[0], self.units) if self.return_sequences else (self.units,)
        return (output, *self.state_shapes()) if self.return_state else (output,)

    def output_shape(self, input_shape):
        return self.output_shapes(input_shape)[0]

    def parameter_count(self, input_shape):
        features = channels(input_shape, 2, self.keras_class)
        bias = math.prod(self.bias_shape()) if self.use_bias else 0
        return self.gates * self.units * (features + self.units) + bias

    def masked_outputs(self, input_shape, input_masked):
        count = len(self.output_shapes(input_shape))
        return (bool(input_masked) and self.return_sequences,) + (False,) * (count - 1)

    def compute_mask(self, inputs, mask, outputs):
        return [mask if self.return_sequences else None] + [None] * (len(outputs) - 1)

    def build(self, input_shape, context):
        return self.module_class(self, channels(input_shape, 2, self.keras_class))

    def initialize(self, module):
        initialize(module.kernel, self.kernel_initializer)
        initialize(module.recurrent_kernel, self.recurrent_initializer)
        if module.bias is not None:
            self.initialize_bias(module.bias)

    def initialize_bias(self, bias):
        initialize(bias, self.bias_initializer)

    @classmethod
    def from_keras(cls, config, where):
        # implementation 1 and 2 compute the same formulas (split or fused matrix products).
        return construct_refusing(cls, read_fields(cls, config, where, handled={"implementation": None}), where)


def recurrent_cases(cls, extra: list) -> list:
    """Conformance cases every recurrent kind shares (each option of Keras's RNN layer), then
    the kind's own: (label, input shape, layer or model)."""
    from lightning_port.layers.kinds.case_models import stateful_heads

    cases = [
        ("units 4 on (5, 3)", (5, 3), cls(4)),
        ("return_sequences", (5, 3), cls(4, return_sequences=True)),
        ("go_backwards", (5, 3), cls(4, go_backwards=True)),
        ("go_backwards, return_sequences", (5, 3), cls(3, go_backwards=True, return_sequences=True)),
        ("unroll=True", (4, 3), cls(3, unroll=True)),
        ("use_bias=False", (5, 3), cls(4, use_bias=False)),
        ("dropout 0.3, recurrent_dropout 0.2 (inference: identity)", (5, 3), cls(4, dropout=0.3, recurrent_dropout=0.2)),
        ("kernel he_uniform, recurrent glorot_uniform, bias random_normal", (5, 3), cls(4, kernel_initializer="he_uniform", recurrent_initializer="glorot_uniform", bias_initializer="random_normal")),
        ("return_state (outputs and states into the head)", (), stateful_heads(cls(3, return_state=True), (5, 2))),
        ("return_state, return_sequences, go_backwards", (), stateful_heads(cls(3, return_state=True, return_sequences=True, go_backwards=True), (4, 2))),
        ("initial_state from another layer's states", (), stateful_heads(cls(3, return_state=True), (5, 2), initial=True)),
    ]
    return cases + extra


@contextlib.contextmanager
def loop_everywhere():
    """Every recurrent module runs Keras's cell loop inside the block, fused kernel or not."""
    previous = Recurrence.loop_everywhere
    Recurrence.loop_everywhere = True
    try:
        yield
    finally:
        Recurrence.loop_everywhere = previous


def masked_cases(cls) -> list:
    """Cases with a Keras mask: Embedding(mask_zero=True) on tokens 0..3 (a quarter of the
    steps masked, anywhere in the sequence), and Masking on a Dense(1, relu) branch (a time
    step whose value is 0 is masked)."""
    from lightning_port.layers.kinds.case_models import masked_by_embedding, masked_by_masking, masked_sequence_output

    return [
        ("mask from Embedding(mask_zero=True)", (), masked_by_embedding(cls(4))),
        ("mask, return_sequences", (), masked_by_embedding(cls(3, return_sequences=True))),
        ("mask, go_backwards, return_sequences", (), masked_by_embedding(cls(3, go_backwards=True, return_sequences=True))),
        ("mask, zero_output_for_mask, return_sequences", (), masked_by_embedding(cls(3, zero_output_for_mask=True, return_sequences=True))),
        ("mask, zero_output_for_mask (last output)", (), masked_by_embedding(cls(3, zero_output_for_mask=True))),
        ("mask from Masking(0.0)", (), masked_by_masking(cls(3))),
        ("mask, unroll=True", (), masked_by_embedding(cls(3, unroll=True))),
        ("mask reaching the loss (a masked sequence output: Keras weighs its steps)", (), masked_sequence_output(cls(3, return_sequences=True))),
    ]


__all__ = ["Recurrence", "RecurrentKind", "activation_function", "loop_everywhere", "masked_cases", "recurrent_cases"]
