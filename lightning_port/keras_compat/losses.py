"""Keras's losses and its 'accuracy' metric, computed the way Keras on TensorFlow computes them
(keras/src/backend/tensorflow/nn.py).

Crossentropy on probabilities: for a categorical or binary crossentropy whose model ends in a
softmax or a sigmoid, Keras on TensorFlow takes the activation's input (which the activation
leaves on its output as ``_keras_logits``) and calls ``softmax_cross_entropy_with_logits``
(``sigmoid_...``) on it rather than taking a clipped log of probabilities (``_get_logits``) --
for either activation, so a categorical crossentropy on a sigmoid output is a softmax
crossentropy of the pre-sigmoid values. The backbone then returns those logits
(``Recipe.outputs_are_logits``) and the loss uses ``cross_entropy`` /
``binary_cross_entropy_with_logits``, the same functions. Without such an activation Keras
normalises and clips the probabilities to [epsilon, 1 - epsilon] and takes their log; sparse
categorical crossentropy always does that (it has no logits recovery), then applies the
logits form to the log-probabilities. Categorical crossentropy on one-hot targets equals
cross entropy on class indices; the port keeps class indices (a one-hot matrix would only
cost memory).

Every loss is averaged over the batch: Keras's default reduction "sum_over_batch_size".
An output that carries a Keras mask (``ops.masks``: a sequence after Embedding(mask_zero=True)
or Masking) weighs its per-step losses as Keras's ``Loss.__call__`` does (``apply_mask``): each
unmasked step by total / unmasked, each masked one by 0, the sum divided by the total, which is
the mean over the unmasked steps.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.ops.masks import mask_of
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


def _negative_log_likelihood(log_probabilities: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-sum(target * log p) over the class axis (the last), per sample (and step): targets
    are class indices, or distributions of the outputs' shape."""
    if targets.is_floating_point() and targets.shape == log_probabilities.shape:
        return -(targets.to(log_probabilities.dtype) * log_probabilities).sum(dim=-1)
    return F.nll_loss(_classes_to_axis_one(log_probabilities), targets, reduction="none")


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
        # Mathematically per_step(...).mean(), but written with torch's own reductions
        # (F.cross_entropy's mean, not reduction="none" then .mean()): the exported standalone
        # code uses those idiomatic calls, and its proof (tests/export) requires the port's
        # training steps to be bit-identical to it. The two orders of summation can differ in the
        # last bits.
        mask = mask_of(outputs)
        if mask is not None:
            return masked_mean(self.per_step(outputs, targets), mask)
        spec = self.spec
        if isinstance(spec, (CategoricalCrossentropy, SparseCategoricalCrossentropy)):
            if isinstance(spec, CategoricalCrossentropy) and not (self.outputs_are_logits or spec.from_logits):
                outputs = outputs / outputs.sum(dim=-1, keepdim=True)  # Keras: probabilities summing to 1
            if not (self.outputs_are_logits or spec.from_logits):
                outputs = torch.log(torch.clamp(outputs, EPSILON, 1 - EPSILON))
                if isinstance(spec, CategoricalCrossentropy):
                    # Keras: -sum(target * log(clipped)), the clipped values not renormalised
                    # (they sum to 1 only where nothing was clipped); sparse_categorical's
                    # TensorFlow form does renormalise (softmax cross-entropy of the logs).
                    return _negative_log_likelihood(outputs, targets).mean()
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

    def per_step(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The loss of every sample (and step): the output's last axis reduced, as Keras's loss
        functions return it before the reduction."""
        spec = self.spec
        if isinstance(spec, (CategoricalCrossentropy, SparseCategoricalCrossentropy)):
            if isinstance(spec, CategoricalCrossentropy) and not (self.outputs_are_logits or spec.from_logits):
                outputs = outputs / outputs.sum(dim=-1, keepdim=True)
            if not (self.outputs_are_logits or spec.from_logits):
                outputs = torch.log(torch.clamp(outputs, EPSILON, 1 - EPSILON))
                if isinstance(spec, CategoricalCrossentropy):  # not renormalised (__call__)
                    return _negative_log_likelihood(outputs, targets)
            return F.cross_entropy(_classes_to_axis_one(outputs), targets, reduction="none")
        targets = targets.reshape(outputs.shape).to(outputs.dtype)
        if isinstance(spec, BinaryCrossentropy):
            if self.outputs_are_logits or spec.from_logits:
                return F.binary_cross_entropy_with_logits(outputs, targets, reduction="none").mean(dim=-1)
            probabilities = torch.clamp(outputs, EPSILON, 1 - EPSILON)
            return (-(targets * torch.log(probabilities) + (1 - targets) * torch.log(1 - probabilities))).mean(dim=-1)
        difference = outputs - targets
        if isinstance(spec, MeanSquaredError):
            return (difference * difference).mean(dim=-1)
        if isinstance(spec, MeanAbsoluteError):
            return difference.abs().mean(dim=-1)
        if isinstance(spec, Huber):
            absolute = difference.abs()
            return torch.where(absolute <= spec.delta, 0.5 * difference * difference, spec.delta * absolute - 0.5 * spec.delta**2).mean(dim=-1)
        raise ValueError(f"unsupported loss {spec!r}")


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Keras's ``reduce_weighted_values`` with a mask: unmasked values weighted total / unmasked
    (0 when every value is masked), masked ones 0, summed and divided by the total."""
    total = torch.tensor(float(mask.numel()), dtype=values.dtype, device=values.device)
    valid = mask.to(values.dtype).sum()
    weight = torch.where(valid > 0, total / valid.clamp(min=1), torch.zeros_like(total))
    return (values * torch.where(mask.reshape(values.shape), weight, torch.zeros_like(weight))).sum() / total


class ModelLoss:
    """The loss of a model with several outputs, as Keras 3's ``CompileLoss`` computes it: each
    output's loss (unweighted, what Keras logs as ``<output>_loss``), and their sum weighted by
    ``loss_weights`` (what it logs as ``loss`` and trains on). Outputs without a loss count 0."""

    def __init__(self, losses: tuple[KerasLoss | None, ...], weights: tuple[float, ...], names: tuple[str, ...]):
        self.losses, self.weights, self.names = losses, weights, names

    def per_output(self, outputs, targets) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
        """(total, each output's loss)."""
        values = [None if loss is None else loss(output, target) for loss, output, target in zip(self.losses, outputs, targets)]
        total = sum(weight * value for weight, value in zip(self.weights, values) if value is not None)
        return total, values

    def __call__(self, outputs, targets) -> torch.Tensor:
        return self.per_output(outputs, targets)[0]


def output_loss(recipe, index: int) -> KerasLoss | None:
    """Output ``index``'s own loss."""
    spec = recipe.output_losses[index]
    if spec is None:
        return None
    return KerasLoss(spec, outputs_are_logits=recipe.outputs_are_logits[index], output_activation=recipe.output_activations[index])


def loss_function(recipe) -> KerasLoss | ModelLoss | None:
    """The recipe's loss: one output's ``KerasLoss``, or a ``ModelLoss`` over several outputs;
    None for a recipe without one (a model ported without compile())."""
    if recipe.loss is None:
        return None
    if len(recipe.output_names) == 1:
        return output_loss(recipe, 0)
    losses = tuple(output_loss(recipe, index) for index in range(len(recipe.output_names)))
    return ModelLoss(losses, recipe.output_loss_weights, recipe.output_names)


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


def targets_are_class_indices(loss: LossSpec | None) -> bool:
    """The port feeds class indices (not one-hot rows) to categorical losses; Keras's
    categorical crossentropy on one-hot rows is cross entropy on those indices."""
    return isinstance(loss, (CategoricalCrossentropy, SparseCategoricalCrossentropy))


def _one_hot(labels) -> bool:
    """Rows of 0s and 1s with one 1 each: one-hot rows, not a sequence's class indices whose
    length happens to equal the class count."""
    import numpy as np

    return bool(np.all((labels == 0) | (labels == 1)) and np.all(labels.sum(axis=-1) == 1))


def as_class_indices(labels, units: int):
    """Labels as class indices: one-hot rows (what Keras's categorical crossentropy is fit on)
    become their argmax, a trailing axis of one is dropped."""
    import numpy as np

    labels = np.asarray(labels)
    if labels.ndim > 1 and labels.shape[-1] == units > 1 and _one_hot(labels):
        labels = labels.argmax(axis=-1)
    elif labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    return labels.astype(np.int64)
