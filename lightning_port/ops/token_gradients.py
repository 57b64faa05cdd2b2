"""What Keras's optimizers see of an Embedding's gradient on TensorFlow, beside its sum.

TensorFlow hands an Embedding's gradient to the optimizer as ``tf.IndexedSlices``: one row per
looked-up token, repeats included. Keras's sparse-aware ops square (``ops.square``) or take the
absolute value (``ops.abs``) of each row before the rows of one token are summed, so where an
optimizer uses g^2 (Adam, AdamW, Nadam, RMSprop, Adagrad, Adadelta) or |g| (Adamax), a token
looked up k times contributes the sum of its k rows' squares (absolute values), not the square
(absolute value) of their sum; the linear terms see the summed gradient, as in torch.

The port's Embedding computes both sums in its backward pass and leaves them on its weight,
tied to the gradient they belong to (the ``.grad`` tensor after accumulation), and the
Keras-rule optimizers use them where Keras does (``keras_compat.optimizers``).
"""

from __future__ import annotations

import torch

_ATTRIBUTE = "_keras_token_statistics"


class AccumulatedGradients(ValueError):
    """The weight's gradient holds several backward passes, whose per-token sums were not kept."""


def record(weight: torch.Tensor, squares: torch.Tensor, absolutes: torch.Tensor) -> None:
    """One backward pass's per-token sums, for the gradient it left in ``weight.grad``. A
    gradient that already held an earlier pass's (accumulated, not set to None in between)
    is marked: its per-token sums are not the ones Keras would form."""
    entry = getattr(weight, _ATTRIBUTE, None)
    accumulated = entry is not None and entry[0] is weight.grad
    setattr(weight, _ATTRIBUTE, (weight.grad, squares, absolutes, accumulated))


def statistics(parameter: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(sum of squared rows, sum of absolute rows) per token for the parameter's current
    gradient, or None (not an Embedding's weight, or no longer its gradient)."""
    entry = getattr(parameter, _ATTRIBUTE, None)
    if entry is None or entry[0] is None or entry[0] is not parameter.grad:
        return None
    if entry[3]:
        raise AccumulatedGradients(
            "an Embedding's gradient accumulated over several backward passes: Keras's optimizers square each looked-up "
            "token's gradient row, which the port keeps per pass only; clear the gradients (set_to_none=True) every step"
        )
    return entry[1], entry[2]
