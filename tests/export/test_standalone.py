"""scripts/port.py --standalone: a saved Keras model with BatchNormalization, "same" padding
with stride 2 (odd padding, at the end) and SGD with Nesterov momentum becomes plain Lightning
code that passes all three checks; a model the exporter cannot write is refused in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.export.test_examples import ruff

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, keras_tensorflow):
    keras = keras_tensorflow
    folder = tmp_path_factory.mktemp("standalone")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),  # 8 -> 4: padding (0, 1), at the end
        keras.layers.BatchNormalization(),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(folder / "small.keras")
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.random((96, 8, 8, 1), dtype=np.float32), "y_train": rng.integers(0, 3, 96), "x_test": rng.random((40, 8, 8, 1), dtype=np.float32), "y_test": rng.integers(0, 3, 40)}
    np.savez(folder / "data.npz", **arrays)
    return folder


def test_the_standalone_code_passes_all_three_checks(saved_model, tmp_path, parity):
    from lightning_port.porting.port import STANDALONE_FOLDER, port_model

    report = port_model(saved_model / "small.keras", tmp_path / "ported", data=saved_model / "data.npz", standalone=True)
    standalone = report["standalone"]
    for row in standalone["parity"]:
        parity.record("export --standalone (c): " + row["quantity"] + " (exported error over bound)", "small", row["port_error"] / row["bound"], 1.0, detail=row["note"])
    assert standalone["passed"] and report["passed"], "\n".join(standalone["lines"])
    checks = {check["name"]: check for check in standalone["checks"]}
    assert checks["(a) outputs of the framework backbone"]["detail"].endswith("bit-identical")
    assert checks["(b) 3 training steps of batch 32 of the framework module"]["detail"] == "losses and all 8 weight and buffer tensors after every step bit-identical"
    assert checks["(b) data.py's arrays of the framework data layer"]["passed"]
    assert [row["quantity"] for row in standalone["parity"]] == ["forward outputs", "training-mode forward (BatchNormalization)", "gradients", "3 optimizer steps (update)"]
    folder = tmp_path / "ported" / STANDALONE_FOLDER
    assert sorted(path.name for path in folder.iterdir()) == ["data.py", "keras_rules.py", "model.py", "module.py", "train.py", "weights.ckpt"]
    model, rules = (folder / "model.py").read_text(), (folder / "keras_rules.py").read_text()
    assert "self.conv2d = Conv2dSame(1, 4, 3, stride=2)" in model and "self.batch_normalization = KerasBatchNorm(4)" in model
    assert "class KerasSGD(torch.optim.Optimizer)" in rules and "parameter.add_(velocity * momentum - step)" in rules
    module = (folder / "module.py").read_text()
    assert "def __init__(self, lr=0.05):" in module and "return KerasSGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)" in module
    completed = ruff(folder)
    assert completed.returncode == 0, completed.stdout
    assert "## Standalone Lightning code" in (tmp_path / "ported" / "report.md").read_text()
    assert json.loads((tmp_path / "ported" / "parity.json").read_text())["standalone"]["passed"]


def test_a_model_the_exporter_cannot_write_is_refused_in_one_line(keras_tensorflow, tmp_path):
    from lightning_port.porting.port import PortError, port_model

    keras = keras_tensorflow
    model = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.DepthwiseConv2D(3), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "depthwise.keras")
    with pytest.raises(PortError) as raised:
        port_model(tmp_path / "depthwise.keras", tmp_path / "out", standalone=True)
    assert str(raised.value) == f"{tmp_path / 'depthwise.keras'}: --standalone: node 'depthwise_conv2d' (DepthwiseConv2D): the exporter does not write DepthwiseConv2D layers yet"
    assert not (tmp_path / "out").exists()
