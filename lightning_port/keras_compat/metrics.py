"""The epoch metrics Keras's ``fit`` reports, as torchmetrics, named as Keras logs them.

Keras reports an epoch's loss as the running mean of its batch losses, each weighted by the
batch's size (a ``Mean`` tracker with ``sample_weight=batch_size``), so the final partial
batch counts for what it holds. ``compile(metrics=[...])`` adds each metric under the name it
was given ("accuracy", "acc", "mae", "mse"); a model with several outputs logs, besides the
total ``loss``, each output's own (unweighted) loss as ``<output>_loss`` and each output's
metrics as ``<output>_<metric>``, ``<output>`` being the name of the layer that makes it.
"accuracy" resolves as Keras resolves it (``compile_utils.get_metric``): binary accuracy at
0.5 on the output for one unit, categorical accuracy (argmax against the label) otherwise;
"mae" and "mse" average each sample's mean over the last axis.

Here: ``MeanMetric`` weighted by the batch size for the losses, ``MulticlassAccuracy(average=
"micro")`` / ``BinaryAccuracy(threshold=0.5)`` on predicted classes, ``MeanMetric`` of the
per-element errors for mae/mse (Keras's mean of per-sample means over equal-sized samples).
torchmetrics sums the states over DDP ranks when the epoch's value is computed.

Updates stay free of host syncs: ``nan_strategy="disable"`` skips MeanMetric's NaN check,
``validate_args=False`` the input checks, and the accuracy gets integer predictions, so
torchmetrics does not test float predictions for being probabilities. (With
``nan_strategy="disable"``, torchmetrics 1.9's MeanMetric replaces any ``weight`` by ones;
the batch's mean loss is therefore passed once per sample, as an expanded view without a
copy, which gives the same sum and count as weighting it by the batch size.)
"""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics.aggregation import MeanMetric
from torchmetrics.classification import BinaryAccuracy, MulticlassAccuracy

from lightning_port.keras_compat import defaults
from lightning_port.keras_compat.losses import ModelLoss, accuracy_targets, output_loss, predicted_classes
from lightning_port.ops.masks import mask_of

# compile(metrics=...) names the port computes, as Keras logs them ("acc" is logged as "acc").
SUPPORTED_METRICS = ("accuracy", "acc", "mae", "mse")
ACCURACY_NAMES = ("accuracy", "acc")
# Keras logs a metric under the name compile() was given; result.json files use one name per
# quantity, so reports compare runs whatever the listing called it.
_CANONICAL = {"acc": "accuracy"}


def canonical_name(logged: str) -> str:
    """A Keras log key in result.json's vocabulary: "acc" -> "accuracy", "val_acc" -> "val_accuracy"."""
    prefix = "val_" if logged.startswith("val_") else ""
    name = logged[len(prefix):]
    return prefix + _CANONICAL.get(name, name)


def _mean() -> MeanMetric:
    # float64 sums: 1,875 batch means a MNIST epoch add up without float32 drift.
    return MeanMetric(nan_strategy="disable").set_dtype(torch.float64)


class Accuracy(nn.Module):
    """compile(metrics=["accuracy"]) of one output, resolved as Keras resolves it."""

    def __init__(self, loss, output_units: int):
        super().__init__()
        self.loss_function = loss
        self.binary = output_units == 1  # Keras's rule: one output unit -> binary accuracy
        if self.binary:
            self.accuracy = BinaryAccuracy(threshold=defaults.BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT, validate_args=False)
        else:
            self.accuracy = MulticlassAccuracy(num_classes=output_units, average="micro", validate_args=False)

    def update(self, outputs, targets, mask=None) -> None:
        predicted, expected = predicted_classes(self.loss_function, outputs), accuracy_targets(targets, outputs)
        if mask is not None:  # Keras weighs each step by its mask: masked steps do not count
            kept = mask.reshape(predicted.shape)
            predicted, expected = predicted[kept], expected[kept]
        self.accuracy.update(predicted, expected)

    def compute(self) -> float:
        return float(self.accuracy.compute())

    def reset(self) -> None:
        self.accuracy.reset()

    def counts(self) -> tuple[float, float]:
        """(correct, counted) from the accuracy's confusion counts on this process."""
        tp, fp, tn, fn = (float(getattr(self.accuracy, name).sum()) for name in ("tp", "fp", "tn", "fn"))
        if not self.binary:
            return tp, tp + fn  # micro multiclass accuracy: hits over samples
        return tp + tn, tp + fp + tn + fn

    def running(self) -> float:
        correct, total = self.counts()
        return correct / total if total else 0.0

    def add_counts(self, samples: int, correct: torch.Tensor) -> None:
        hits = (torch.arange(samples, device=correct.device) < correct).long()
        self.accuracy.update(hits, torch.ones_like(hits))


class MeanError(nn.Module):
    """compile(metrics=["mae"]) or ["mse"] of one output: each sample's mean over the last axis,
    averaged over the samples (the model's outputs, as Keras's metric sees them)."""

    def __init__(self, loss, squared: bool):
        super().__init__()
        self.loss_function, self.squared = loss, squared
        self.mean = _mean()

    def update(self, outputs, targets, mask=None) -> None:
        if getattr(self.loss_function, "outputs_are_logits", False):
            outputs = torch.softmax(outputs, dim=-1) if self.loss_function.output_activation == "softmax" else torch.sigmoid(outputs)
        difference = outputs - targets.reshape(outputs.shape).to(outputs.dtype)
        errors = difference * difference if self.squared else difference.abs()
        if mask is not None:  # the unmasked steps' errors (every step has as many)
            errors = errors[mask.reshape(errors.shape[:-1])]
        self.mean.update(errors.reshape(-1))

    def compute(self) -> float:
        return float(self.mean.compute())

    def reset(self) -> None:
        self.mean.reset()

    def running(self) -> float:
        weight = float(self.mean.weight)
        return float(self.mean.mean_value) / weight if weight else 0.0


def _tracker(name: str, loss, output_units: int) -> nn.Module:
    if name in ACCURACY_NAMES:
        return Accuracy(loss, output_units)
    if name in ("mae", "mse"):
        return MeanError(loss, squared=name == "mse")
    raise ValueError(f"metric {name!r} is not supported; supported: {', '.join(SUPPORTED_METRICS)}")


class KerasEpochMetrics(nn.Module):
    """The loss and compiled metrics of one stage (training, validation, or one test split),
    each under its Keras log name."""

    def __init__(self, loss, recipe):
        super().__init__()
        names = recipe.output_names
        self.several = len(names) > 1
        self.loss_function = loss
        self.loss = _mean()
        self.output_losses = nn.ModuleList([_mean() for _ in names]) if self.several else nn.ModuleList()
        self.names: list[str] = []
        self.outputs: list[int] = []
        trackers = []
        for index, (output, metrics) in enumerate(zip(names, recipe.output_metrics)):
            own_loss = output_loss(recipe, index) if self.several else loss
            for metric in metrics:
                self.names.append(f"{output}_{metric}" if self.several else metric)
                self.outputs.append(index)
                trackers.append(_tracker(metric, own_loss, recipe.output_shapes[index][-1]))
        self.trackers = nn.ModuleList(trackers)
        self.output_names = names

    @torch.no_grad()
    def update(self, mean_loss: torch.Tensor, outputs, targets, output_losses=None) -> None:
        """One batch: its mean loss, the model's outputs (a tuple for several) and targets;
        ``output_losses``: each output's own loss (several outputs)."""
        batch = (targets[0] if self.several else targets).shape[0]
        self.loss.update(mean_loss.detach().expand(batch))
        if self.several:
            for tracker, value in zip(self.output_losses, output_losses):
                if value is not None:
                    tracker.update(value.detach().expand(batch))
        for index, tracker in zip(self.outputs, self.trackers):
            output = outputs[index] if self.several else outputs
            target = targets[index] if self.several else targets
            tracker.update(output.detach(), target, mask_of(output))

    @torch.no_grad()
    def add_sums(self, loss_sum: torch.Tensor, samples: int, correct: torch.Tensor, counted: int | None = None) -> None:
        """Count steps a compiled graph already summed (training/compiled_step.py): ``loss_sum``
        is the sum of the batch mean losses times their batch sizes (float64), ``correct`` the
        predictions that were right, over ``samples`` samples (one output, its accuracy only),
        ``counted`` predictions (one per sample, or one per step of a sequence output; default
        ``samples``). Stays on the device, no host sync.

        The states end as ``update`` per batch would leave them: the loss gets the sum followed
        by zeros (MeanMetric adds the values and counts one per value), the accuracy one hit
        per right sample and one miss per wrong one (micro accuracy counts only those)."""
        if samples == 0:
            return
        values = torch.zeros(samples, dtype=torch.float64, device=loss_sum.device)
        values[0] = loss_sum
        self.loss.update(values)
        for tracker in self.trackers:
            tracker.add_counts(samples if counted is None else counted, correct)

    def compute(self) -> dict[str, float]:
        """The epoch's values under Keras's log names (summed over DDP ranks); empty if nothing was counted."""
        if not self.loss.update_called:
            return {}
        values = {"loss": float(self.loss.compute())}
        for name, tracker in zip(self.output_names if self.several else (), self.output_losses):
            if tracker.update_called:
                values[f"{name}_loss"] = float(tracker.compute())
        for name, tracker in zip(self.names, self.trackers):
            values[name] = tracker.compute()
        return values

    def reset(self) -> None:
        self.loss.reset()
        for tracker in [*self.output_losses, *self.trackers]:
            tracker.reset()

    def running(self) -> dict[str, float]:
        """This process's values so far, read from the states without a DDP sync (the
        progress bar runs on rank zero only, so it must not start a collective)."""
        weight = float(self.loss.weight)
        if not weight:
            return {}
        return {"loss": float(self.loss.mean_value) / weight, **{name: tracker.running() for name, tracker in zip(self.names, self.trackers)}}

    def accuracy_counts(self) -> tuple[float, float]:
        """(correct, counted) of the (one output's) accuracy on this process."""
        accuracy = next(tracker for tracker in self.trackers if isinstance(tracker, Accuracy))
        return accuracy.counts()

    @property
    def counts_only_accuracy(self) -> bool:
        """One output whose metrics are its accuracy at most: what a compiled step can sum."""
        return not self.several and all(isinstance(tracker, Accuracy) for tracker in self.trackers)


def exact_answer_rate(predicted, expected) -> float:
    """The share of samples whose every step's class is right (``Evidence.exact_answers``):
    class indices of shape (samples, steps), NumPy arrays or tensors."""
    import numpy as np

    predicted, expected = np.asarray(predicted), np.asarray(expected)
    if predicted.shape != expected.shape or predicted.ndim != 2:
        raise ValueError(f"exact answers need (samples, steps) classes on both sides, got {predicted.shape} and {expected.shape}")
    return float(np.mean(np.all(predicted == expected, axis=1)))


__all__ = ["ACCURACY_NAMES", "SUPPORTED_METRICS", "KerasEpochMetrics", "ModelLoss", "canonical_name", "exact_answer_rate"]
