"""Keras -> Lightning -> Keras weight transfer: same outputs, exact round trip, CLI import."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from lightning_port.keras_compat.weights import WeightTranslationError, export_keras_weights, load_keras_weights
from lightning_port.models import build_backbone
from lightning_port.evidence.parity.keras_probes import to_torch_inputs
from lightning_port.registry import get_recipe, model_names
from tests.conftest import REPOSITORY_ROOT
from tests.parity.keras_fixtures import tutorial_data, warmed_up_keras_model

pytestmark = pytest.mark.parity
SAMPLES = 1_000
OUTPUT_TOLERANCE = 1e-5  # max |p_torch - p_keras| over 1,000 real samples, float32 CPU


@pytest.mark.parametrize("name", model_names())
def test_imported_weights_give_keras_outputs(name, keras_tensorflow, data_dir, parity):
    recipe = get_recipe(name)
    keras_model = warmed_up_keras_model(name, data_dir)
    inputs, _ = next(iter(tutorial_data(name, data_dir)["evaluations"].values()))
    inputs = np.asarray(inputs[:SAMPLES], dtype=np.float32)  # Keras casts its float64 input so
    expected = keras_model.predict(inputs, batch_size=250, verbose=0)

    backbone = build_backbone(recipe).eval()
    load_keras_weights(backbone, keras_model.get_weights())
    with torch.no_grad():
        actual = backbone.probabilities(backbone(to_torch_inputs(inputs))).numpy()
    difference = float(np.abs(actual - expected).max())
    if recipe.output_activation == "softmax":
        agreement = float((actual.argmax(1) == expected.argmax(1)).mean())
    else:
        agreement = float(((actual > 0.5) == (expected > 0.5)).mean())
    entry = parity.record("weights: max |output difference|", name, difference, OUTPUT_TOLERANCE, detail=f"{len(inputs)} real samples")
    assert entry.passed
    entry = parity.record("weights: predicted-class agreement", name, agreement, 1.0, comparison=">=")
    assert entry.passed

    round_trip = export_keras_weights(backbone)
    mismatched = sum(not np.array_equal(a, b) for a, b in zip(round_trip, keras_model.get_weights()))
    entry = parity.record("weights: round trip, arrays not identical", name, mismatched, 0)
    assert entry.passed and len(round_trip) == len(keras_model.get_weights())


@pytest.mark.parametrize(
    "keras_name, torch_name, message",
    [("mnist_mlp_512", "mnist_mlp_rmsprop", r"kernel -> body.0.weight: shape \(784, 512\) does not fit \(784, 32\)"),
     ("mnist_mlp_512", "mnist_mlp", "expected 6 Keras arrays")],
)
def test_weights_of_another_model_are_refused(keras_name, torch_name, message, keras_tensorflow):
    from keras_reference import tutorial_module

    keras_model = tutorial_module(get_recipe(keras_name)).build_model()
    with pytest.raises(WeightTranslationError, match=message):
        load_keras_weights(build_backbone(get_recipe(torch_name)), keras_model.get_weights())


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_import_script_writes_a_checkpoint_predict_accepts(suffix, keras_tensorflow, data_dir, tmp_path):
    keras_model = warmed_up_keras_model("mnist_mlp", data_dir)
    saved = tmp_path / f"model{suffix}"
    keras_model.save_weights(saved) if suffix == ".weights.h5" else keras_model.save(saved)
    inputs, labels = tutorial_data("mnist_mlp", data_dir)["evaluations"]["test"]
    keras_classes = keras_model.predict(np.asarray(inputs[:5], dtype=np.float32), verbose=0).argmax(1).tolist()

    checkpoint = tmp_path / "imported.ckpt"
    imported = subprocess.run(
        [sys.executable, "scripts/import_keras.py", "--model", "mnist_mlp", "--weights", str(saved), "--output", str(checkpoint)],
        cwd=REPOSITORY_ROOT, capture_output=True, text=True,
    )
    assert imported.returncode == 0, imported.stderr
    predicted = subprocess.run(
        [sys.executable, "scripts/predict.py", "--checkpoint", str(checkpoint), "--data-dir", str(data_dir)],
        cwd=REPOSITORY_ROOT, capture_output=True, text=True,
    )
    assert predicted.returncode == 0, predicted.stderr
    assert f"predicted: {keras_classes}" in predicted.stdout
