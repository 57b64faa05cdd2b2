"""A Functional model with two inputs and two outputs, each output with its own loss, loss
weight and metric, ported and trained with Lightning: the port logs what Keras logs for the
same model (the total loss, ``<output>_loss``, ``<output>_<metric>``, and their ``val_``
forms), its total is the weighted sum of the outputs' losses, and its parity rows pass."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lightning_port.registry import recipe_from_file
from tests.cli.scripts import run_script

pytestmark = pytest.mark.parity
LOSS_WEIGHTS = {"category": 1.0, "score": 0.5}


@pytest.fixture(scope="module")
def ported(keras_tensorflow, tmp_path_factory):
    keras = keras_tensorflow
    from lightning_port.porting.port import port_model

    folder = tmp_path_factory.mktemp("several")
    keras.utils.set_random_seed(0)
    left, right = keras.Input((6,), name="left"), keras.Input((4,), name="right")
    joined = keras.layers.Concatenate()([keras.layers.Dense(8, activation="relu")(left), keras.layers.Dense(8, activation="relu")(right)])
    category = keras.layers.Dense(3, activation="softmax", name="category")(joined)
    score = keras.layers.Dense(1, name="score")(joined)
    model = keras.Model([left, right], [category, score])
    model.compile(optimizer="adam", loss={"category": "sparse_categorical_crossentropy", "score": "mse"}, loss_weights=LOSS_WEIGHTS, metrics={"category": ["accuracy"], "score": ["mae"]})
    generator = np.random.default_rng(0)
    arrays = {}
    for split, count in (("train", 96), ("test", 32)):
        arrays[f"x_{split}.left"] = generator.standard_normal((count, 6)).astype(np.float32)
        arrays[f"x_{split}.right"] = generator.standard_normal((count, 4)).astype(np.float32)
        arrays[f"y_{split}.category"] = generator.integers(0, 3, count)
        arrays[f"y_{split}.score"] = generator.standard_normal((count, 1)).astype(np.float32)
    np.savez(folder / "data.npz", **arrays)
    model.save(folder / "two_heads.keras")
    history = model.fit(
        [arrays["x_train.left"], arrays["x_train.right"]], [arrays["y_train.category"], arrays["y_train.score"]],
        epochs=1, batch_size=32, verbose=0,
        validation_data=([arrays["x_test.left"], arrays["x_test.right"]], [arrays["y_test.category"], arrays["y_test.score"]]),
    ).history
    report = port_model(folder / "two_heads.keras", folder / "ported", data=folder / "data.npz", samples=32)
    return folder, report, history


def test_the_port_measures_both_outputs(ported):
    _, report, _ = ported
    assert report["passed"], json.dumps(report["parity"], indent=1)


def test_the_recipe_keeps_each_outputs_loss_weight_and_metric(ported):
    folder, _, _ = ported
    recipe = recipe_from_file(folder / "ported" / "recipe.py")
    assert recipe.output_names == ("category", "score")
    assert recipe.output_loss_weights == (1.0, 0.5)
    assert recipe.output_metrics == (("accuracy",), ("mae",))


def test_lightning_logs_what_keras_logs(ported, tmp_path):
    folder, _, keras_history = ported
    completed = run_script(
        "train.py", "--recipe", str(folder / "ported" / "recipe.py"), "--weights", str(folder / "ported" / "model.ckpt"),
        "--epochs", "2", "--output-dir", str(tmp_path / "run"), "--no-progress-bar", timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    row = result["history"][-1]
    # Keras's fit() logs, validation included (the recipe has no validation: fit() had none).
    expected = {name for name in keras_history if not name.startswith("val_")}
    assert {name for name in row if name not in ("epoch", "seconds")} == expected
    assert row["loss"] == pytest.approx(row["category_loss"] * LOSS_WEIGHTS["category"] + row["score_loss"] * LOSS_WEIGHTS["score"], rel=1e-6)
    logged = (tmp_path / "run" / "logs" / "metrics.csv").read_text().splitlines()[0].split(",")
    assert expected <= set(logged)
    assert set(result["test"]) == expected | {"split"}
