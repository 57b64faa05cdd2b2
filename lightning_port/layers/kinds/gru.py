"""``keras.layers.GRU``: Keras's ``GRUCell`` (``keras/src/layers/rnn/gru.py``) in the recurrent
module (``kinds/recurrent.py``).

Keras orders the gates (z, r, h), torch (r, z, n): the weight table swaps the first two blocks
(``translation.GRU_GATES``). Keras 3's default ``reset_after=True`` applies the reset gate after
the recurrent product and keeps two biases, ``bias[0]`` for the inputs and ``bias[1]`` for the
state: exactly torch's ``bias_ih`` and ``bias_hh``, so torch's kernel runs it. With
``reset_after=False`` (one bias; the reset gate scales the state before its product) torch has
no kernel, and the loop runs Keras's formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from lightning_port.layers.base import WeightRow
from lightning_port.layers.kinds.recurrent import Recurrence, RecurrentKind, masked_cases, recurrent_cases
from lightning_port.layers.translation import GRU_GATES, GRU_GATES_TRANSPOSED
from lightning_port.ops.initializers import initialize


class GRURecurrence(Recurrence):
    gates = 3
    torch_blocks = (1, 0, 2)  # Keras's z, r, h

    def __init__(self, layer, features):
        super().__init__(layer, features)
        self.reset_after = layer.reset_after

    def kernel_matches(self, layer):
        return layer.reset_after and layer.activation == "tanh" and layer.recurrent_activation == "sigmoid"

    def fused(self, inputs, states):
        weights = [self.kernel, self.recurrent_kernel] + ([self.bias[0], self.bias[1]] if self.bias is not None else [])
        outputs, hidden = torch.gru(inputs, states[0].unsqueeze(0), weights, self.bias is not None, 1, 0.0, self.training, False, True)
        return outputs, [hidden[0]]

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def project(self, inputs, input_masks):
        return self.project_inputs(inputs, input_masks, self._input_bias())

    def step(self, projected, states, recurrent_masks):
        hidden = states[0]
        units = self.units
        x_r, x_z, x_h = projected.split(units, dim=-1)  # torch's order
        if self.reset_after:
            inner = self.recurrent_blocks(hidden, recurrent_masks)
            if self.bias is not None:
                inner = inner + self.bias[1]
            inner_r, inner_z, inner_h = inner.split(units, dim=-1)
            z = self.recurrent_activation(x_z + inner_z)
            r = self.recurrent_activation(x_r + inner_r)
            candidate = self.activation(x_h + r * inner_h)
        else:
            inner_r, inner_z = self.recurrent_blocks(hidden, recurrent_masks, slice(0, 2 * units)).split(units, dim=-1)
            z = self.recurrent_activation(x_z + inner_z)
            r = self.recurrent_activation(x_r + inner_r)
            state_h = hidden if recurrent_masks is None else hidden * recurrent_masks[min(2, len(recurrent_masks) - 1)]
            candidate = self.activation(x_h + torch.matmul(r * state_h, self.recurrent_kernel[2 * units :].t()))
        hidden = z * hidden + (1 - z) * candidate
        return hidden, [hidden]


@dataclass(frozen=True)
class GRU(RecurrentKind):
    units: int
    activation: str | None = "tanh"
    recurrent_activation: str | None = "sigmoid"
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    recurrent_initializer: str = "orthogonal"
    bias_initializer: str = "zeros"
    reset_after: bool = True
    keras_class: ClassVar[str] = "GRU"
    example_arguments: ClassVar[dict] = {"units": 4}
    module_class: ClassVar[type] = GRURecurrence
    cell_name: ClassVar[str] = "gru_cell"

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def initialize_bias(self, bias):
        # Keras's initializer sees (2, 3 * units): its fans are (2, 3 * units), which the
        # transposed view gives torch's rule.
        initialize(bias.t() if bias.dim() == 2 else bias, self.bias_initializer)

    def weights(self):
        rows = (WeightRow(f"{self.cell_name}/kernel", "kernel", GRU_GATES_TRANSPOSED), WeightRow(f"{self.cell_name}/recurrent_kernel", "recurrent_kernel", GRU_GATES_TRANSPOSED))
        return rows + ((WeightRow(f"{self.cell_name}/bias", "bias", GRU_GATES),) if self.use_bias else ())

    @classmethod
    def conformance_cases(cls):
        return recurrent_cases(cls, [
            ("reset_after=False (loop: no torch kernel)", (5, 3), cls(4, reset_after=False)),
            ("reset_after=False, go_backwards, return_sequences", (5, 3), cls(3, reset_after=False, go_backwards=True, return_sequences=True)),
            ("reset_after=False, use_bias=False", (5, 3), cls(3, reset_after=False, use_bias=False)),
            ("activation relu, recurrent_activation hard_sigmoid (loop)", (5, 3), cls(4, activation="relu", recurrent_activation="hard_sigmoid")),
        ]) + masked_cases(cls) + [
            ("reset_after=False, mask", (), masked_cases_model(cls(3, reset_after=False))),
        ]


def masked_cases_model(layer):
    from lightning_port.layers.kinds.case_models import masked_by_embedding

    return masked_by_embedding(layer)
