"""scripts/port.py on the two models issue 22 names, written as their tutorials write them:
TensorFlow's regression tutorial's model that starts with an adapted Normalization, and the
image classification tutorial's model whose first layer is a nested ``data_augmentation``
Sequential. Each ports with every parity row passing, and ``train.py --recipe`` trains it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from lightning_port.registry import recipe_from_file
from lightning_port.run.resolve import CHECKPOINT_DIRECTORY, LAST_CHECKPOINT
from tests.cli.scripts import run_script

pytestmark = pytest.mark.parity


def _port_and_train(source, data, tmp_path) -> tuple[object, dict, dict]:
    out = tmp_path / "ported"
    ported = run_script("port.py", str(source), "--output", str(out), "--data", str(data), timeout=900)
    assert ported.returncode == 0, ported.stderr[-3000:]
    report = json.loads((out / "parity.json").read_text())
    assert report["passed"], json.dumps(report["parity"], indent=1)
    assert not report["architecture"]["differences"]
    trained = run_script(
        "train.py", "--recipe", str(out / "recipe.py"), "--weights", str(out / "model.ckpt"), "--epochs", "2", "--accelerator", "cpu",
        "--output-dir", str(tmp_path / "run"), "--no-progress-bar", timeout=900,
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert [row["epoch"] for row in result["history"]] == [1, 2]
    return recipe_from_file(out / "recipe.py"), report, result


def test_the_regression_tutorials_normalization_model_ports_and_trains(keras_tensorflow, tmp_path):
    """https://www.tensorflow.org/tutorials/keras/regression: ``normalizer.adapt(train_features)``,
    then Sequential([normalizer, Dense(64, relu), Dense(64, relu), Dense(1)]) with MAE and Adam(0.001),
    on features of Auto MPG's scales (the data set itself is not in the offline copy)."""
    keras = keras_tensorflow
    rng = np.random.default_rng(0)
    scales = np.array([5.0, 190.0, 100.0, 3000.0, 15.0, 76.0, 0.5, 0.5, 0.5], dtype=np.float32)
    features = (rng.normal(1.0, 0.3, (320, 9)) * scales).astype(np.float32)
    targets = (features @ rng.normal(0, 1, 9) / scales.sum() * 20 + 23).astype(np.float32)
    keras.utils.set_random_seed(0)
    normalizer = keras.layers.Normalization(axis=-1)
    normalizer.adapt(features[:256])
    model = keras.Sequential([normalizer, keras.layers.Dense(64, activation="relu"), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.001))
    model.predict(features[:2], verbose=0)  # built, as the tutorial's model is by its first use
    model.save(tmp_path / "dnn_model.keras")
    np.savez(tmp_path / "auto_mpg.npz", x_train=features[:256], y_train=targets[:256], x_test=features[256:], y_test=targets[256:])

    recipe, report, _ = _port_and_train(tmp_path / "dnn_model.keras", tmp_path / "auto_mpg.npz", tmp_path)
    assert recipe.layers[0].keras_class == "Normalization" and recipe.layers[0].axis == (-1,)
    quantities = {row["quantity"] for row in report["parity"] if row["passed"]}
    assert {"forward outputs", "gradients"} <= quantities
    # The adapted statistics are weights the checkpoint carries, and training leaves them alone.
    mean, variance, count = normalizer.get_weights()
    state = torch.load(tmp_path / "run" / CHECKPOINT_DIRECTORY / LAST_CHECKPOINT, weights_only=True)["state_dict"]
    assert np.array_equal(state["backbone.normalization.mean"].numpy(), mean)
    assert np.array_equal(state["backbone.normalization.variance"].numpy(), variance)
    assert int(state["backbone.normalization.count"]) == int(count)


def test_an_augmentation_first_image_classifier_ports_and_trains(keras_tensorflow, tmp_path):
    """https://www.tensorflow.org/tutorials/images/classification ("Data augmentation"): a
    ``data_augmentation`` Sequential as the model's first layer, Rescaling, a convolution block,
    Dropout, Dense logits, Adam and SparseCategoricalCrossentropy(from_logits=True); small images."""
    keras = keras_tensorflow
    layers = keras.layers
    keras.utils.set_random_seed(0)
    data_augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal", input_shape=(16, 16, 3)), layers.RandomRotation(0.1), layers.RandomZoom(0.1)], name="data_augmentation"
    )
    model = keras.Sequential([
        data_augmentation,
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Dropout(0.2),
        layers.Flatten(),
        layers.Dense(16, activation="relu"),
        layers.Dense(5, name="outputs"),
    ])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.summary(print_fn=lambda *arguments, **keywords: None)
    model.save(tmp_path / "flowers.keras")
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (160, 16, 16, 3)).astype(np.float32)
    labels = rng.integers(0, 5, 160)
    np.savez(tmp_path / "flowers.npz", x_train=images[:128], y_train=labels[:128], x_test=images[128:], y_test=labels[128:])

    recipe, _, _ = _port_and_train(tmp_path / "flowers.keras", tmp_path / "flowers.npz", tmp_path)
    block = recipe.layers[0]
    assert block.keras_class == "Sequential" and block.name == "data_augmentation"
    assert [layer.keras_class for layer in block.layers] == ["RandomFlip", "RandomRotation", "RandomZoom"]
    assert block.layers[0].mode == "horizontal" and block.layers[1].factor == (-0.1, 0.1)
    assert "data_augmentation" in (tmp_path / "ported" / "recipe.py").read_text()
