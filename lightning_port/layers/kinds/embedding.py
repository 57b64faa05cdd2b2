"""``keras.layers.Embedding``: a lookup table; Keras casts its (possibly float) inputs to integers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.layers.translation import COPY
from lightning_port.ops.initializers import initialize


class KerasEmbedding(nn.Embedding):
    def forward(self, inputs):
        return super().forward(inputs.long())


@dataclass(frozen=True)
class Embedding(LayerKind):
    input_dim: int
    output_dim: int
    embeddings_initializer: str = "uniform"
    keras_class: ClassVar[str] = "Embedding"
    example_arguments: ClassVar[dict] = {"input_dim": 10, "output_dim": 3}
    # Its inputs are token indices: synthetic inputs are drawn in range (evidence.parity).
    integer_inputs: ClassVar[bool] = True

    def output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def parameter_count(self, input_shape):
        return self.input_dim * self.output_dim

    def build(self, input_shape, context):
        return KerasEmbedding(self.input_dim, self.output_dim)

    def initialize(self, module):
        initialize(module.weight, self.embeddings_initializer)

    def weights(self):
        return (WeightRow("embeddings", "weight", COPY),)

    @classmethod
    def conformance_cases(cls):
        return [("input_dim 20, output_dim 4", (5,), cls(20, 4))]
