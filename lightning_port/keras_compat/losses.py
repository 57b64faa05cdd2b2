"""Keras's losses and its 'accuracy' metric, computed the way Keras on TensorFlow computes them
(keras/src/backend/tensorflow/nn.py).

Crossentropy on probabilities: for a categorical or binary crossentropy whose model ends in a
softmax or a sigmoid, Keras on TensorFlow takes the activation's input (which the activation
leaves on its output as ``_keras_logits``) and calls ``softmax_cross_entropy_with_logits``
(``sigmoid_...``) on it rather than taking a clipped log of probabilities (``_get_logits``) --
for either activation, so a categorical crossentropy on a sigmoid output is a softmax
crossentropy of the pre-sigmoid values. The backbone then returns those logits
(``Recipe.loss_reads_logits``) and the loss uses ``cross_entropy`` /
``binary_cross_entropy_with_logits``, the same functions. Without such an activation Keras
normalises and clips the probabilities to [epsilon, 1 - epsilon] and takes their log; sparse
categorical crossentropy always does that (it has no logits recovery), then applies the
logits form to the log-probabilities. Categorical crossentropy on one-hot targets equals
cross entropy on class indices; the port keeps class indices (a one-hot matrix would only
cost memory).

Every loss is averaged over the batch: Keras's default reduction "sum_over_batch_size".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.spec.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    LossSpec,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
    resolve_loss,
)

EPSILON = keras_defaults.BACKEND_EPSILON_KERAS_DEFAULT


def _classes_to_axis_one(outputs: torch.Tensor) -> torch.Tensor:
    """cross_entropy wants the class axis second; Keras's is the last."""
    return outputs if outputs.dim() == 2 else outputs.movedim(-1, 1)


class KerasLoss:
    """One recipe's loss: ``loss(outputs, targets)`` -> the batch's mean loss (a 0-d tensor).

    ``outputs`` are what the backbone returns (logits when ``outputs_are_logits``); targets are
    class indices for the categorical losses, 0/1 values for the binary one, values of the
    output's shape for the regression losses.
    """

    def __init__(self, loss: str | LossSpec, outputs_are_logits: bool = False, output_activation: str | None = None):
        """``output_activation``: the softmax or sigmoid the logits come before (for the
        predicted classes; the loss itself uses the logits form of its own kind)."""
        self.spec = resolve_loss(loss)
        self.outputs_are_logits = outputs_are_logits
        self.output_activation = output_activation

    def __call__(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        spec = self.spec
        if isinstance(spec, (CategoricalCrossentropy, SparseCategoricalCrossentropy)):
            if isinstance(spec, CategoricalCrossentropy) and not (self.outputs_are_logits or spec.from_logits):
                outputs = outputs / outputs.sum(dim=-1, keepdim=True)  # Keras: probabilities summing to 1
            if not (self.outputs_are_logits or spec.from_logits):
                outputs = torch.log(torch.clamp(outputs, EPSILON, 1 - EPSILON))
            return F.cross_entropy(_classes_to_axis_one(outputs), targets)
        targets = targets.reshape(outputs.shape).to(outputs.dtype)
        if isinstance(spec, BinaryCrossentropy):
            if self.outputs_are_logits or spec.from_logits:
                return F.binary_cross_entropy_with_logits(outputs, targets)
            probabilities = torch.clamp(outputs, EPSILON, 1 - EPSILON)
            elementwise = -(targets * torch.log(probabilities) + (1 - targets) * torch.log(1 - probabilities))
            return elementwise.mean(dim=-1).mean()
        difference = outputs - targets
        if isinstance(spec, MeanSquaredError):
            return (difference * difference).mean(dim=-1).mean()
        if isinstance(spec, MeanAbsoluteError):
            return difference.abs().mean(dim=-1).mean()
        if isinstance(spec, Huber):
            absolute = difference.abs()
            quadratic = 0.5 * difference * difference
            linear = spec.delta * absolute - 0.5 * spec.delta**2
            return torch.where(absolute <= spec.delta, quadratic, linear).mean(dim=-1).mean()
        raise ValueError(f"unsupported loss {spec!r}")


def loss_function(recipe) -> KerasLoss | None:
    """The recipe's loss; None for a recipe without one (a model ported without compile())."""
    if recipe.loss is None:
        return None
    return KerasLoss(recipe.loss, outputs_are_logits=recipe.loss_reads_logits, output_activation=recipe.output_activation)


def predicted_classes(loss: KerasLoss, outputs: torch.Tensor) -> torch.Tensor:
    """The class compile(metrics=['accuracy']) counts as predicted, as integers.

    Keras picks the accuracy by shape: one output unit -> binary_accuracy, which thresholds the
    model's *output* at 0.5 (the sigmoid probability, not the logit; and a raw logit when the
    model outputs logits, as Keras does); several -> the argmax (softmax keeps it)."""
    if getattr(loss, "outputs_are_logits", False):
        outputs = torch.softmax(outputs, dim=-1) if loss.output_activation == "softmax" else torch.sigmoid(outputs)
    if outputs.shape[-1] > 1:
        return outputs.argmax(dim=-1)
    threshold = keras_defaults.BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT
    return (outputs.squeeze(-1) > threshold).long()


def accuracy_targets(targets: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    """Targets as the class the accuracy compares with: indices stay, one-unit values become 0/1
    (Keras compares y_true with the thresholded prediction), value vectors their argmax."""
    if outputs.shape[-1] > 1:
        return targets.long() if not targets.is_floating_point() or targets.dim() < outputs.dim() else targets.argmax(dim=-1)
    return targets.reshape(outputs.shape[:-1]).round().long()
