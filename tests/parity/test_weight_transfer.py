"""Weights across the frameworks, both ways: Keras -> port gives Keras's outputs, port-trained
weights loaded into the live Keras model give the port's outputs, the CLI import works."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from lightning_port.evidence.parity.keras_probes import mirrored_backbone, to_torch_inputs
from lightning_port.evidence.parity.truth import compare
from lightning_port.models.keras_weights import WeightTranslationError, export_keras_weights, load_keras_weights
from lightning_port.models import build_backbone
from lightning_port.registry import get_recipe, model_names
from tests.conftest import REPOSITORY_ROOT
from tests.helpers import fit_in_process
from tests.parity.keras_fixtures import keras_precision, tutorial_data, warmed_up_keras_model

pytestmark = pytest.mark.parity
SAMPLES = 1_000
# Outputs of models holding the same weights, on real samples: float32 rounding only.
OUTPUT_TOLERANCE = 1e-5


def _inputs(name, data_dir):
    inputs, _ = next(iter(tutorial_data(name, data_dir)["evaluations"].values()))
    return np.asarray(inputs[:SAMPLES], dtype=np.float32)  # Keras casts float64 input arrays so


def _port_outputs(backbone, inputs) -> np.ndarray:
    with torch.no_grad():
        return backbone.probabilities(backbone(to_torch_inputs(inputs))).double().numpy()


@pytest.mark.parametrize("name", model_names())
def test_imported_weights_give_keras_outputs(name, keras_tensorflow, data_dir, parity):
    """Keras -> port: the same outputs, judged against the float64 truth like every float32 row."""
    recipe = get_recipe(name)
    keras32 = warmed_up_keras_model(name, data_dir)
    inputs = _inputs(name, data_dir)
    outputs = {"port32": _port_outputs(mirrored_backbone(recipe, keras32).eval(), inputs), "keras32": keras32.predict(inputs, batch_size=250, verbose=0)}
    with keras_precision(name, keras32, "float64") as keras64:
        outputs["keras64"] = keras64.predict(inputs.astype(np.float64), batch_size=250, verbose=0)
        outputs["port64"] = _port_outputs(mirrored_backbone(recipe, keras64).eval(), inputs.astype(np.float64))
    comparison = compare(*({"outputs": outputs[key]} for key in ("port32", "keras32", "port64", "keras64")))
    entry = parity.record_truth("weights: outputs (float32 vs float64 truth)", name, comparison, detail=f"{len(inputs)} real samples")
    assert comparison.float64_agrees and entry.passed, entry.line()
    actual, expected = outputs["port32"], outputs["keras32"]
    if recipe.output_activation == "softmax":
        agreement = float((actual.argmax(1) == expected.argmax(1)).mean())
    else:
        agreement = float(((actual > 0.5) == (expected > 0.5)).mean())
    entry = parity.record("weights: predicted-class agreement", name, agreement, 1.0, comparison=">=")
    assert entry.passed


@pytest.mark.parametrize("name", model_names())
def test_the_ports_export_reimports_unchanged(name, keras_tensorflow, data_dir, parity):
    """The port's own export -> import: every array identical (a self-consistency check of the
    translation table, not a cross-framework one; that is the next test)."""
    keras_model = warmed_up_keras_model(name, data_dir)
    backbone = build_backbone(get_recipe(name))
    load_keras_weights(backbone, keras_model.get_weights())
    exported = export_keras_weights(backbone)
    mismatched = sum(not np.array_equal(a, b) for a, b in zip(exported, keras_model.get_weights()))
    entry = parity.record("weights: port export -> import, arrays not identical", name, mismatched, 0)
    assert entry.passed and len(exported) == len(keras_model.get_weights())


@pytest.mark.parametrize("name", model_names())
def test_lightning_trained_weights_predict_the_same_in_keras(name, keras_tensorflow, data_dir, parity):
    """Port -> Keras: weights trained by the Lightning port, exported and loaded into the live
    Keras model, make Keras's predict() give the port's outputs."""
    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    system, _ = fit_in_process(name, data_dir, epochs=1, max_train_samples=recipe.evidence.quick_samples)
    backbone = system.backbone.eval()
    keras_model = tutorial_module(recipe).build_model()
    keras_model.set_weights(export_keras_weights(backbone))
    inputs = _inputs(name, data_dir)
    difference = float(np.abs(keras_model.predict(inputs, batch_size=250, verbose=0) - _port_outputs(backbone, inputs)).max())
    entry = parity.record("weights: Lightning-trained, predicted in Keras, max |output diff|", name, difference, OUTPUT_TOLERANCE, detail=f"{len(inputs)} real samples")
    assert entry.passed


@pytest.mark.parametrize(
    "keras_name, torch_name, message",
    [("mnist_mlp_512", "mnist_mlp_rmsprop", r"node 'dense' \(Dense\) kernel -> dense.weight: shape \(784, 512\) does not fit \(784, 32\)"),
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
