"""``keras.layers.SimpleRNN``: Keras's ``SimpleRNNCell`` (``keras/src/layers/rnn/simple_rnn.py``),
``activation(inputs @ kernel + bias + state @ recurrent_kernel)``, in the recurrent module
(``kinds/recurrent.py``). torch's ``nn.RNN`` kernel computes it for tanh and relu (its second
bias held at zero); other activations run the loop. Its cell draws one dropout mask for the
inputs and one for the state, with or without recurrent dropout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from lightning_port.layers.base import WeightRow
from lightning_port.layers.kinds.recurrent import Recurrence, RecurrentKind, masked_cases, recurrent_cases
from lightning_port.layers.translation import COPY, TRANSPOSE

_KERNELS = {"tanh": torch.rnn_tanh, "relu": torch.rnn_relu}


class SimpleRNNRecurrence(Recurrence):
    masks_per_gate = False

    def __init__(self, layer, features):
        super().__init__(layer, features)
        self.kernel_function = _KERNELS.get(layer.activation)

    def kernel_matches(self, layer):
        return layer.activation in _KERNELS

    def fused(self, inputs, states):
        weights = [self.kernel, self.recurrent_kernel] + ([self.bias, torch.zeros_like(self.bias)] if self.bias is not None else [])
        outputs, hidden = self.kernel_function(inputs, states[0].unsqueeze(0), weights, self.bias is not None, 1, 0.0, self.training, False, True)
        return outputs, [hidden[0]]

    def project(self, inputs, input_masks):
        return self.project_inputs(inputs, input_masks, self.bias)

    def step(self, projected, states, recurrent_masks):
        output = self.activation(projected + self.recurrent_blocks(states[0], recurrent_masks))
        return output, [output]


@dataclass(frozen=True)
class SimpleRNN(RecurrentKind):
    units: int
    activation: str | None = "tanh"
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    recurrent_initializer: str = "orthogonal"
    bias_initializer: str = "zeros"
    keras_class: ClassVar[str] = "SimpleRNN"
    example_arguments: ClassVar[dict] = {"units": 4}
    module_class: ClassVar[type] = SimpleRNNRecurrence
    cell_name: ClassVar[str] = "simple_rnn_cell"

    def weights(self):
        rows = (WeightRow(f"{self.cell_name}/kernel", "kernel", TRANSPOSE), WeightRow(f"{self.cell_name}/recurrent_kernel", "recurrent_kernel", TRANSPOSE))
        return rows + ((WeightRow(f"{self.cell_name}/bias", "bias", COPY),) if self.use_bias else ())

    @classmethod
    def conformance_cases(cls):
        return recurrent_cases(cls, [
            ("activation relu (torch's relu kernel)", (5, 3), cls(4, activation="relu")),
            ("activation sigmoid (loop)", (5, 3), cls(4, activation="sigmoid")),
            ("activation None (loop)", (4, 3), cls(3, activation=None)),
        ]) + masked_cases(cls)
