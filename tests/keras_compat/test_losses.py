"""The Keras-rule losses against Keras's own functions where the port's earlier form differed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lightning_port.keras_compat.losses import KerasLoss


@pytest.mark.parametrize("targets_as", ["class indices", "one-hot"])
def test_categorical_crossentropy_on_outputs_that_are_not_probabilities_is_keras(keras_tensorflow, targets_as):
    """A linear output under CategoricalCrossentropy() (the Keras training guide's two-output
    model does this): Keras normalises by the sum, clips, and sums -target * log without
    normalising again; the clipped values no longer sum to 1, so a softmax over their logs
    (torch's cross_entropy) gives another loss."""
    keras = keras_tensorflow
    generator = np.random.default_rng(0)
    outputs = generator.normal(size=(16, 5))  # negative values: the clip matters
    labels = generator.integers(0, 5, size=16)
    one_hot = np.eye(5)[labels]
    per_sample_keras = np.asarray(keras.losses.categorical_crossentropy(one_hot, outputs))  # float64 kept (the loss object casts to floatx)
    expected = float(per_sample_keras.mean())
    targets = torch.tensor(labels) if targets_as == "class indices" else torch.tensor(one_hot)
    port = KerasLoss("categorical_crossentropy")(torch.tensor(outputs), targets)
    assert float(port) == pytest.approx(expected, rel=1e-12)  # both float64: the same formula
    per_sample = KerasLoss("categorical_crossentropy").per_step(torch.tensor(outputs), targets)
    assert per_sample.numpy() == pytest.approx(per_sample_keras, rel=1e-12)


def test_sparse_categorical_crossentropy_keeps_tensorflows_renormalisation(keras_tensorflow):
    """TensorFlow's sparse form takes a softmax cross-entropy of the clipped logs (it does
    renormalise): the port's differs from the categorical one there, as Keras's does."""
    keras = keras_tensorflow
    generator = np.random.default_rng(1)
    outputs = generator.normal(size=(16, 5))
    labels = generator.integers(0, 5, size=16)
    expected = float(np.asarray(keras.losses.sparse_categorical_crossentropy(labels, outputs)).mean())
    port = KerasLoss("sparse_categorical_crossentropy")(torch.tensor(outputs), torch.tensor(labels))
    assert float(port) == pytest.approx(expected, rel=1e-12)
