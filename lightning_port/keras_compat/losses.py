"""The loss and the 'accuracy' metric as Keras-on-TensorFlow computes them.

Loss: for a softmax (sigmoid) output layer, Keras's TensorFlow backend recovers the logits
from the activation op and calls ``softmax_cross_entropy_with_logits``
(``sigmoid_cross_entropy_with_logits``), not a clipped log of probabilities
(``keras/src/backend/tensorflow/nn.py: _get_logits``). The port's network returns those
logits, so ``cross_entropy`` / ``binary_cross_entropy_with_logits`` are the same function.
Categorical crossentropy on one-hot targets equals cross_entropy on class indices; the port
keeps integer labels (a one-hot matrix would only cost memory).

Both are averaged over the batch: Keras's default reduction "sum_over_batch_size".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lightning_port.keras_compat import defaults as keras_defaults

CATEGORICAL = "categorical_crossentropy"
BINARY = "binary_crossentropy"


def keras_loss(loss_name: str, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean loss over the batch. ``targets``: class indices (categorical) or 0/1 floats (binary)."""
    if loss_name == CATEGORICAL:
        return F.cross_entropy(logits, targets)
    if loss_name == BINARY:
        return F.binary_cross_entropy_with_logits(logits.squeeze(1), targets.to(logits.dtype))
    raise ValueError(f"unsupported loss {loss_name!r}")


def predicted_classes(loss_name: str, logits: torch.Tensor) -> torch.Tensor:
    """The class compile(metrics=['accuracy']) counts as predicted, as integers.

    categorical_accuracy takes the argmax (softmax keeps it); binary_accuracy thresholds the
    sigmoid *probability* at 0.5 (not the logit at 0), so float32 rounding of sigmoid near
    0.5 decides as it does in Keras.
    """
    if loss_name == CATEGORICAL:
        return logits.argmax(dim=1)
    if loss_name == BINARY:
        threshold = keras_defaults.BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT
        return (torch.sigmoid(logits.squeeze(1)) > threshold).long()
    raise ValueError(f"unsupported loss {loss_name!r}")


def keras_correct(loss_name: str, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-sample hits of compile(metrics=['accuracy']), as float 0/1."""
    if loss_name == CATEGORICAL:
        # categorical_accuracy: argmax(y_true) == argmax(y_pred); softmax keeps the argmax.
        return (logits.argmax(dim=1) == targets).float()
    if loss_name == BINARY:
        # binary_accuracy: (sigmoid output > 0.5) == y_true, thresholded on the probability
        # (not on logit > 0) so float32 rounding of sigmoid near 0.5 matches Keras.
        threshold = keras_defaults.BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT
        predicted = (torch.sigmoid(logits.squeeze(1)) > threshold).float()
        return (predicted == targets.float()).float()
    raise ValueError(f"unsupported loss {loss_name!r}")


def per_sample_keras_loss(loss_name: str, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Unreduced loss, for evaluation sums over a whole split."""
    if loss_name == CATEGORICAL:
        return F.cross_entropy(logits, targets, reduction="none")
    if loss_name == BINARY:
        return F.binary_cross_entropy_with_logits(logits.squeeze(1), targets.to(logits.dtype), reduction="none")
    raise ValueError(f"unsupported loss {loss_name!r}")
