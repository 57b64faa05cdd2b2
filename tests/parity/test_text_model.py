"""The text model shaped like keras-io's "Bidirectional LSTM on IMDB" (Embedding with
mask_zero, two Bidirectional LSTMs with dropout and recurrent dropout, a sigmoid Dense) on the
data layer's token task (lightning_port/evidence/parity/text_model.py), as cifar_cnn's evidence
is: forward outputs, gradients and 3 optimizer steps on its own data, and a 100-step training
trajectory from identical weights with the same dropout masks injected into both frameworks
(the first LSTM's cells draw one input and one recurrent mask per gate, the second's one input
mask), each float32 result judged against the float64 truth."""

from __future__ import annotations

import numpy as np
import pytest

from lightning_port.evidence.parity.text_model import TRAJECTORY_STEPS, text_batches, text_model, trajectory_comparisons

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def keras_text_model(keras_tensorflow):
    from lightning_port.evidence.parity.keras_models import build_keras_model

    return build_keras_model(text_model(), seed=0)


def test_the_text_model_on_its_data_against_the_float64_truth(keras_text_model, parity):
    from lightning_port.evidence.parity.measure import measure_parity

    recipe = text_model()
    (inputs, labels), = text_batches(1, 96)
    measurements = measure_parity(recipe, keras_text_model, inputs, labels.astype(np.float32))
    quantities = {measurement.quantity for measurement in measurements}
    assert {"forward outputs", "gradients", "3 optimizer steps (update)"} <= quantities
    for measurement in measurements:
        entry = parity.record_truth(f"text model: {measurement.quantity}", "text_bilstm", measurement.comparison, detail=measurement.note)
        assert measurement.comparison.float64_agrees and entry.passed, entry.line()


def test_the_text_models_trajectory_with_injected_dropout_masks(keras_text_model, parity):
    losses, updates, detail = trajectory_comparisons(text_model(), keras_text_model, TRAJECTORY_STEPS)
    for quantity, comparison in ((f"{TRAJECTORY_STEPS}-step losses", losses), (f"updates over {TRAJECTORY_STEPS} steps", updates)):
        entry = parity.record_truth(f"training: {quantity} (float32 vs float64 truth)", "text_bilstm", comparison, detail=detail)
        assert comparison.float64_agrees, f"float64 results differ by {comparison.float64_difference:.2e}"
        assert entry.passed, entry.line()
