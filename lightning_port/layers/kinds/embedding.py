"""``keras.layers.Embedding``: a lookup table; Keras casts its (possibly float) inputs to integers.
With ``mask_zero=True`` its output carries a mask, False where the token is 0 (Keras's
``compute_mask``), which the layers after it carry on or consume as Keras's do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.layers.translation import COPY
from lightning_port.ops import token_gradients
from lightning_port.ops.initializers import initialize


class _TokenLookup(torch.autograd.Function):
    """``F.embedding`` whose backward also keeps its gradient's rows, one per looked-up token,
    for the Keras-rule optimizers (``ops.token_gradients``)."""

    @staticmethod
    def forward(ctx, weight, indices, pending):
        ctx.save_for_backward(indices)
        ctx.pending, ctx.tokens = pending, weight.shape[0]
        return F.embedding(indices, weight)

    @staticmethod
    def backward(ctx, grad_output):
        (indices,) = ctx.saved_tensors
        flat_indices = indices.reshape(-1)
        rows = grad_output.reshape(-1, grad_output.shape[-1])
        ctx.pending.append((flat_indices, rows))
        return grad_output.new_zeros(ctx.tokens, rows.shape[-1]).index_add_(0, flat_indices, rows), None, None


class KerasEmbedding(nn.Embedding):
    # Its backward pass records each looked-up token's gradient rows (ops.token_gradients), which
    # the optimizers that square or clip a gradient read; a torch.func gradient does not run it.
    records_token_rows = True

    def __init__(self, *arguments, **options):
        super().__init__(*arguments, **options)
        self.pending: list = []  # the rows of the backward passes not yet recorded
        self.weight.register_post_accumulate_grad_hook(self._record)

    def _record(self, weight):
        if self.pending:
            indices, rows = (torch.cat(parts) for parts in zip(*self.pending))
            self.pending.clear()
            token_gradients.record(weight, indices, rows)

    def forward(self, inputs):
        indices = inputs.long()
        if not (torch.is_grad_enabled() and self.weight.requires_grad):
            return F.embedding(indices, self.weight)
        self.pending.clear()  # rows a functional (torch.func) backward left, never recorded
        return _TokenLookup.apply(self.weight, indices, self.pending)


@dataclass(frozen=True)
class Embedding(LayerKind):
    input_dim: int
    output_dim: int
    embeddings_initializer: str = "uniform"
    mask_zero: bool = False
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

    def masked_outputs(self, input_shape, input_masked):
        return (self.mask_zero,)

    def compute_mask(self, inputs, mask, outputs):
        return [inputs != 0]

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.kinds.case_models import headed
        from lightning_port.layers.graph import Input
        from lightning_port.layers.registry import kind_classes

        inputs = Input((6,))
        pooled = kind_classes()["GlobalAveragePooling1D"]()(cls(5, 3, mask_zero=True)(inputs))
        return [
            ("input_dim 20, output_dim 4", (5,), cls(20, 4)),
            ("mask_zero, into GlobalAveragePooling1D (a mean over the unmasked steps)", (), headed(inputs, pooled)),
        ]
