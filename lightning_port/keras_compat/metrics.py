"""The epoch metrics Keras's ``fit`` reports, as torchmetrics.

Keras reports an epoch's loss as the running mean of its batch losses, each weighted by the
batch's size (a ``Mean`` tracker with ``sample_weight=batch_size``), so the final partial
batch counts for what it holds; and ``metrics=["accuracy"]`` resolves to categorical
accuracy (argmax against the label) for a softmax output, binary accuracy at 0.5 on the
sigmoid output otherwise. Here: ``MeanMetric`` weighted by the batch size, and
``MulticlassAccuracy(average="micro")`` / ``BinaryAccuracy(threshold=0.5)`` on predicted
classes. torchmetrics sums the states over DDP ranks when the epoch's value is computed.

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
from lightning_port.keras_compat.losses import KerasLoss, accuracy_targets, predicted_classes


class KerasEpochMetrics(nn.Module):
    """Loss and accuracy of one stage (training, validation, or one test split)."""

    def __init__(self, loss: KerasLoss, output_units: int):
        super().__init__()
        self.loss_function = loss
        self.binary = output_units == 1  # Keras's rule: one output unit -> binary accuracy
        # float64 sums: 1,875 batch means a MNIST epoch add up without float32 drift.
        self.loss = MeanMetric(nan_strategy="disable").set_dtype(torch.float64)
        if self.binary:
            self.accuracy = BinaryAccuracy(threshold=defaults.BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT, validate_args=False)
        else:
            self.accuracy = MulticlassAccuracy(num_classes=output_units, average="micro", validate_args=False)

    @torch.no_grad()
    def update(self, mean_loss: torch.Tensor, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        self.loss.update(mean_loss.detach().expand(targets.shape[0]))
        outputs = outputs.detach()
        self.accuracy.update(predicted_classes(self.loss_function, outputs), accuracy_targets(targets, outputs))

    @torch.no_grad()
    def add_sums(self, loss_sum: torch.Tensor, samples: int, correct: torch.Tensor) -> None:
        """Count steps a compiled graph already summed (training/compiled_step.py): ``loss_sum``
        is the sum of the batch mean losses times their batch sizes (float64), ``correct`` the
        samples predicted right, over ``samples`` samples. Stays on the device, no host sync.

        The states end as ``update`` per batch would leave them: the loss gets the sum followed
        by zeros (MeanMetric adds the values and counts one per value), the accuracy one hit
        per right sample and one miss per wrong one (micro accuracy counts only those)."""
        if samples == 0:
            return
        values = torch.zeros(samples, dtype=torch.float64, device=loss_sum.device)
        values[0] = loss_sum
        self.loss.update(values)
        hits = (torch.arange(samples, device=correct.device) < correct).long()
        self.accuracy.update(hits, torch.ones_like(hits))

    def compute(self) -> dict[str, float]:
        """The epoch's values (summed over DDP ranks); empty if nothing was counted."""
        if not self.loss.update_called:
            return {}
        return {"loss": float(self.loss.compute()), "accuracy": float(self.accuracy.compute())}

    def reset(self) -> None:
        self.loss.reset()
        self.accuracy.reset()

    def running(self) -> dict[str, float]:
        """This process's values so far, read from the states without a DDP sync (the
        progress bar runs on rank zero only, so it must not start a collective)."""
        weight = float(self.loss.weight)
        if not weight:
            return {}
        correct, total = self.accuracy_counts()
        return {"loss": float(self.loss.mean_value) / weight, "accuracy": correct / total if total else 0.0}

    def accuracy_counts(self) -> tuple[float, float]:
        """(correct, counted) from the accuracy's confusion counts on this process."""
        tp, fp, tn, fn = (float(getattr(self.accuracy, name).sum()) for name in ("tp", "fp", "tn", "fn"))
        if not self.binary:
            return tp, tp + fn  # micro multiclass accuracy: hits over samples
        return tp + tn, tp + fp + tn + fn


# compile(metrics=...) names the port computes, as Keras logs them ("acc" is logged as "acc").
SUPPORTED_METRICS = ("accuracy", "acc", "mae", "mse")
