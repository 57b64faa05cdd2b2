"""``keras.layers.LSTM``: Keras's ``LSTMCell`` (``keras/src/layers/rnn/lstm.py``) in the
recurrent module (``kinds/recurrent.py``).

Keras orders the gates (i, f, c, o), as torch orders its (i, f, g, o), so the weights are only
transposed. Keras has one bias per gate; torch's kernel adds two, and neither is used: the bias
rides in the kernel as the column of a constant input of 1 (``fused`` says why), so no second
bias exists to train (a trained second bias would double the bias's update). ``unit_forget_bias``
starts the forget gate's bias at 1, the other gates' at ``bias_initializer`` (drawn per part,
as Keras draws them).

Exported (``emit``) as ``keras_rules.KerasLSTM``: the fused path's own computation (torch's LSTM
kernel, the bias as the kernel's column for an input of 1, zero states), under the same weight
names, so an exported model computes what this module computes. Only the options that path
takes are exported: tanh and sigmoid, no dropout, forwards, no returned states (no mask can
reach it: Embedding and Masking are not exported).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from lightning_port.layers.base import WeightRow
from lightning_port.layers.emit import Emitted, NotExportable, Rule, call_arguments, initialization
from lightning_port.layers.kinds.recurrent import Recurrence, RecurrentKind, masked_cases, recurrent_cases
from lightning_port.layers.translation import COPY, TRANSPOSE
from lightning_port.ops.initializers import initialize


class LSTMRecurrence(Recurrence):
    gates = 4
    states = 2
    torch_blocks = (0, 1, 2, 3)

    def __init__(self, layer, features):
        super().__init__(layer, features)
        # Keras's cell with recurrent dropout (implementation=1) adds each gate's bias to its
        # input part before the recurrent part; the default cell adds it last.
        self.bias_first = layer.recurrent_dropout > 0

    def kernel_matches(self, layer):
        return layer.activation == "tanh" and layer.recurrent_activation == "sigmoid"

    def fused(self, inputs, states):
        hidden, carry = states
        kernel = self.kernel
        if self.bias is not None:
            # The bias enters as the kernel's column for a constant input of 1, not as the
            # kernel's bias: torch's CPU LSTM backward sums a bias's gradient over every step and
            # sample at a float32 error 10x Keras's (measured 2.3e-6 against 1.8e-7 over 200
            # steps), where the kernel's gradient, a matrix product, stays at Keras's. A second,
            # hidden-side bias would then be zeros: torch's kernel takes none.
            inputs = torch.cat([inputs, inputs.new_ones(*inputs.shape[:-1], 1)], dim=-1)
            kernel = torch.cat([kernel, self.bias.unsqueeze(1)], dim=1)
        outputs, hidden, carry = torch.lstm(inputs, (hidden.unsqueeze(0), carry.unsqueeze(0)), [kernel, self.recurrent_kernel], False, 1, 0.0, self.training, False, True)
        return outputs, [hidden[0], carry[0]]

    def project(self, inputs, input_masks):
        return self.project_inputs(inputs, input_masks, self.bias if self.bias_first else None)

    def step(self, projected, states, recurrent_masks):
        hidden, carry = states
        z = projected + self.recurrent_blocks(hidden, recurrent_masks)
        if self.bias is not None and not self.bias_first:
            z = z + self.bias
        i, f, c, o = z.chunk(4, dim=-1)
        i, f, o = self.recurrent_activation(i), self.recurrent_activation(f), self.recurrent_activation(o)
        carry = f * carry + i * self.activation(c)
        hidden = o * self.activation(carry)
        return hidden, [hidden, carry]


KERAS_LSTM = Rule(
    "KerasLSTM",
    '''class KerasLSTM(nn.Module):
    """keras.layers.LSTM (tanh and sigmoid, no dropout, no mask) on (N, time, features), starting
    from zero states; the last output, or every step's with return_sequences.

    Keras's weights in torch's layout: kernel (4 * units, features) and recurrent_kernel
    (4 * units, units), the gates in Keras's order (i, f, c, o), which is torch's (i, f, g, o).
    Keras has one bias per gate, torch's nn.LSTM two (b_ih and b_hh), both trained: that would
    train the bias twice over. So torch's LSTM kernel runs without biases, and Keras's bias enters
    as the kernel's column for a constant input of 1: torch's CPU backward sums a bias's gradient
    over every step and sample at a float32 error ten times Keras's, where the kernel's gradient,
    a matrix product, stays at Keras's."""

    def __init__(self, input_size, units, bias=True, return_sequences=False):
        super().__init__()
        self.units, self.return_sequences = units, return_sequences
        self.kernel = nn.Parameter(torch.empty(4 * units, input_size))
        self.recurrent_kernel = nn.Parameter(torch.empty(4 * units, units))
        self.bias = nn.Parameter(torch.zeros(4 * units)) if bias else None

    def forward(self, x):
        kernel = self.kernel
        if self.bias is not None:
            x = torch.cat([x, x.new_ones(*x.shape[:-1], 1)], dim=-1)
            kernel = torch.cat([kernel, self.bias.unsqueeze(1)], dim=1)
        zeros = x.new_zeros(1, x.shape[0], self.units)
        # torch.lstm is nn.LSTM's kernel: (input, (h0, c0), weights, has_biases, layers, dropout,
        # training, bidirectional, batch_first).
        outputs, _, _ = torch.lstm(
            x, (zeros, zeros), [kernel, self.recurrent_kernel], False, 1, 0.0, self.training, False, True
        )
        return outputs if self.return_sequences else outputs[:, -1]
''',
    imports=("import torch", "from torch import nn"),
)


@dataclass(frozen=True)
class LSTM(RecurrentKind):
    units: int
    activation: str | None = "tanh"
    recurrent_activation: str | None = "sigmoid"
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    recurrent_initializer: str = "orthogonal"
    bias_initializer: str = "zeros"
    unit_forget_bias: bool = True
    keras_class: ClassVar[str] = "LSTM"
    example_arguments: ClassVar[dict] = {"units": 4}
    module_class: ClassVar[type] = LSTMRecurrence
    cell_name: ClassVar[str] = "lstm_cell"

    def initialize_bias(self, bias):
        if not self.unit_forget_bias:
            initialize(bias, self.bias_initializer)
            return
        units = self.units
        initialize(bias[:units], self.bias_initializer)
        bias[units : 2 * units].fill_(1.0)
        initialize(bias[2 * units :], self.bias_initializer)

    def weights(self):
        rows = (WeightRow(f"{self.cell_name}/kernel", "kernel", TRANSPOSE), WeightRow(f"{self.cell_name}/recurrent_kernel", "recurrent_kernel", TRANSPOSE))
        return rows + ((WeightRow(f"{self.cell_name}/bias", "bias", COPY),) if self.use_bias else ())

    def emit(self, context):
        defaults = {
            "activation": "tanh", "recurrent_activation": "sigmoid", "dropout": 0.0, "recurrent_dropout": 0.0,
            "return_state": False, "go_backwards": False, "stateful": False,
        }
        for option, default in defaults.items():
            if getattr(self, option) != default:
                raise NotExportable(f"{context.where}: option {option}={getattr(self, option)!r} is not exported yet (only {option}={default!r})")
        lines, rules, names = [], [], []
        for tensor, initializer in (("kernel", self.kernel_initializer), ("recurrent_kernel", self.recurrent_initializer)):
            line, needed = initialization(f"{{}}.{tensor}", initializer)
            lines.append(line)
            rules += needed
            names.append(initializer)
        if self.use_bias:
            line, needed = initialization("{}.bias", self.bias_initializer)
            rules += needed
            if self.unit_forget_bias:
                units = self.units
                line = line.replace("{}.bias", f"{{}}.bias[:{units}]")
                lines += [line, f"nn.init.ones_({{}}.bias[{units}:{2 * units}])  # unit_forget_bias: the forget gate's starts at 1"]
                lines.append(line.replace(f"[:{units}]", f"[{2 * units}:]"))
            else:
                lines.append(line)
        names.insert(1, self.bias_initializer if self.use_bias else "")  # (kernel, bias, recurrent kernel)
        arguments = call_arguments(context.input_shape[-1], self.units, bias=None if self.use_bias else False, return_sequences=self.return_sequences or None)
        return Emitted(f"{context.module}({context.argument})", f"{KERAS_LSTM.name}({arguments})", tuple(lines), (*rules, KERAS_LSTM), initializers=tuple(names))

    @classmethod
    def conformance_cases(cls):
        return recurrent_cases(cls, [
            ("unit_forget_bias=False, bias ones", (5, 3), cls(4, unit_forget_bias=False, bias_initializer="ones")),
            ("activation relu, recurrent_activation hard_sigmoid (loop)", (5, 3), cls(4, activation="relu", recurrent_activation="hard_sigmoid")),
            ("activation None, recurrent_activation tanh (loop)", (5, 3), cls(3, activation=None, recurrent_activation="tanh")),
        ]) + masked_cases(cls)
