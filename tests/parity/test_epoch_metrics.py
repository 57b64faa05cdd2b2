"""The port's torchmetrics epoch figures against the figures Keras itself reports, on the same
weights and the same batches (evaluate() uses the same batch-size-weighted trackers as fit)."""

import numpy as np
import pytest
import torch

from lightning_port.data.batches import InMemoryBatches
from lightning_port.keras_compat.losses import loss_function
from lightning_port.keras_compat.metrics import KerasEpochMetrics
from lightning_port.evidence.parity.keras_probes import mirrored_backbone, to_torch_inputs, torch_targets
from lightning_port.registry import get_recipe
from tests.parity.keras_fixtures import labels_of, tutorial_data, warmed_up_keras_model

pytestmark = pytest.mark.parity
SAMPLES, BATCH = 1_000, 300  # three full batches and a partial one of 100
# Loss: float32 batch means combined in float32 by Keras, in float64 by torchmetrics: a few
# float32 ulps. Accuracy: a count of hits, which Keras reports as a float32 fraction: equal
# up to half a float32 ulp of a number below 1 (6e-8).
LOSS_TOLERANCE = 1e-6
ACCURACY_TOLERANCE = 1e-7


@pytest.mark.parametrize("name", ["mnist_mlp", "pima_mlp"], ids=["categorical", "binary"])
def test_epoch_loss_and_accuracy_equal_keras_evaluate(name, keras_tensorflow, data_dir, parity):
    recipe = get_recipe(name)
    keras_model = warmed_up_keras_model(name, data_dir)
    inputs, targets = tutorial_data(name, data_dir, max_train_samples=SAMPLES)["train"]
    inputs = np.asarray(inputs[:SAMPLES], dtype=np.float32)
    targets = targets[:SAMPLES]
    keras_loss_value, keras_accuracy = keras_model.evaluate(inputs, targets, batch_size=BATCH, verbose=0)

    backbone = mirrored_backbone(recipe, keras_model).eval()
    loss = loss_function(recipe)
    metrics = KerasEpochMetrics(loss, recipe)
    labels = torch_targets(recipe, labels_of(name, targets))
    with torch.no_grad():
        for batch_inputs, batch_labels in InMemoryBatches((to_torch_inputs(inputs), labels), BATCH, shuffle=False):
            logits = backbone(batch_inputs)
            metrics.update(loss(logits, batch_labels), logits, batch_labels)
    ours = metrics.compute()
    loss_difference = abs(ours["loss"] - keras_loss_value) / keras_loss_value
    entry = parity.record("metrics: epoch loss vs Keras evaluate, relative", name, loss_difference, LOSS_TOLERANCE, detail=f"Keras {keras_loss_value:.6f}, batches of {BATCH} + 1 partial")
    assert entry.passed
    entry = parity.record("metrics: epoch accuracy vs Keras evaluate, abs", name, abs(ours["accuracy"] - keras_accuracy), ACCURACY_TOLERANCE, detail=f"Keras {keras_accuracy:.4f}")
    assert entry.passed
    assert metrics.running() == pytest.approx(ours)  # the progress bar's reading agrees
