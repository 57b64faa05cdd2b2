"""What Keras's optimizers see of an Embedding's gradient on TensorFlow: its rows.

TensorFlow hands an Embedding's gradient to the optimizer as ``tf.IndexedSlices``: one row per
looked-up token, repeats included. Keras's sparse-aware ops act on those rows before the rows
of one token are summed: ``ops.square`` and ``ops.abs`` square (take the absolute value of)
each row, so where an optimizer uses g^2 (Adam, AdamW, Nadam, RMSprop, Adagrad, Adadelta) or
|g| (Adamax) a token looked up k times contributes the sum of its k rows' squares (absolute
values), not the square of their sum; ``clipnorm`` and ``global_clipnorm`` measure the norm
over the rows, ``clipvalue`` clips each row. The linear terms see the summed gradient, as in
torch.

The port's Embedding keeps the rows of its backward pass on its weight, tied to the gradient
they belong to (the ``.grad`` tensor after accumulation), and the Keras-rule optimizers
(``keras_compat.optimizers``) compute from them what Keras computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

_ATTRIBUTE = "_keras_token_rows"


class AccumulatedGradients(ValueError):
    """The weight's gradient holds several backward passes, whose rows were not kept."""


@dataclass(frozen=True)
class TokenRows:
    """An Embedding's gradient as TensorFlow's IndexedSlices: ``rows[i]`` belongs to token
    ``indices[i]`` of a table of ``tokens`` rows."""

    indices: torch.Tensor
    rows: torch.Tensor
    tokens: int

    def summed(self, values: torch.Tensor | None = None) -> torch.Tensor:
        """Per token, the sum of its rows (``values``: rows of the same layout, e.g. squared)."""
        values = self.rows if values is None else values
        return values.new_zeros(self.tokens, values.shape[-1]).index_add_(0, self.indices, values)

    def squares(self) -> torch.Tensor:
        return self.summed(self.rows * self.rows)

    def absolutes(self) -> torch.Tensor:
        return self.summed(self.rows.abs())

    def scaled(self, scale) -> TokenRows:
        return TokenRows(self.indices, self.rows * scale, self.tokens)

    def clipped(self, value: float) -> TokenRows:
        return TokenRows(self.indices, self.rows.clamp(-value, value), self.tokens)


def record(weight: torch.Tensor, indices: torch.Tensor, rows: torch.Tensor) -> None:
    """One backward pass's rows, for the gradient it left in ``weight.grad``. A gradient that
    already held an earlier pass's (accumulated, not set to None in between) is marked: its
    rows were not all kept."""
    entry = getattr(weight, _ATTRIBUTE, None)
    accumulated = entry is not None and entry[0] is weight.grad
    setattr(weight, _ATTRIBUTE, (weight.grad, TokenRows(indices, rows, weight.shape[0]), accumulated))


def token_rows(parameter: torch.Tensor) -> TokenRows | None:
    """The rows of the parameter's current gradient, or None (not an Embedding's weight, or
    no longer its gradient)."""
    entry = getattr(parameter, _ATTRIBUTE, None)
    if entry is None or entry[0] is None or entry[0] is not parameter.grad:
        return None
    if entry[2]:
        raise AccumulatedGradients(
            "an Embedding's gradient accumulated over several backward passes: Keras's optimizers work on each looked-up "
            "token's gradient row, which the port keeps per pass only; clear the gradients (set_to_none=True) every step"
        )
    return entry[1]
