"""scripts/port.py end to end: the six tutorials' saved Keras models come back as the project's
own recipes with Keras's outputs; the checkpoint works with predict.py and train.py; bad input
is one line and leaves nothing behind; a file's code is never run."""

from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest
import torch

from lightning_port.registry import get_recipe, model_names, recipe_from_file
from tests.cli.scripts import last_error_line, run_script
from tests.parity.keras_fixtures import tutorial_data, warmed_up_keras_model

pytestmark = pytest.mark.parity
SAMPLES = 1_000
OUTPUT_TOLERANCE = 1e-5  # the bound: imported weights give Keras's outputs on real samples


@pytest.mark.parametrize("name", model_names())
def test_a_tutorials_saved_model_ports_back_to_its_recipe(name, keras_tensorflow, data_dir, tmp_path, parity):
    from lightning_port.porting.port import port_model
    from lightning_port.training.system import TutorialClassifier

    import keras

    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    weights = warmed_up_keras_model(name, data_dir).get_weights()
    keras.backend.clear_session()  # a fresh session names the layers as the tutorial's own run does
    keras_model = tutorial_module(recipe).build_model()
    keras_model.set_weights(weights)
    saved = tmp_path / f"{name}.keras"
    keras_model.save(saved)
    inputs = np.asarray(next(iter(tutorial_data(name, data_dir)["evaluations"].values()))[0][:SAMPLES], dtype=np.float32)
    np.savez(tmp_path / "inputs.npz", x=inputs.reshape(len(inputs), *recipe.input_shape))
    report = port_model(saved, tmp_path / "ported", data=tmp_path / "inputs.npz", samples=SAMPLES)
    ported = recipe_from_file(tmp_path / "ported" / "recipe.py")
    assert ported.layers == recipe.layers and ported.graph == recipe.graph  # the same layers, named alike
    assert ported.optimizer == recipe.optimizer and ported.loss_spec == recipe.loss_spec
    assert ported.input_shape == recipe.input_shape and ported.parameter_count == recipe.parameter_count
    system = TutorialClassifier.from_checkpoint(tmp_path / "ported" / "model.ckpt")
    with torch.no_grad():
        ours = system.probabilities(torch.from_numpy(inputs.reshape(len(inputs), *recipe.input_shape))).numpy()
    expected = keras_model.predict(inputs.reshape(len(inputs), *recipe.input_shape), batch_size=250, verbose=0)
    difference = float(np.abs(ours - expected).max())
    entry = parity.record("port: tutorial's .keras, outputs on 1,000 real samples, max |diff|", name, difference, OUTPUT_TOLERANCE, detail="same layers, optimizer and loss as the registered recipe")
    assert entry.passed
    assert report["passed"], json.dumps(report["parity"], indent=1)


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A small compiled Sequential model saved as .keras, and an .npz of MNIST-shaped data."""
    from keras_reference.backend import select_backend

    select_backend("tensorflow")
    import keras

    folder = tmp_path_factory.mktemp("port")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"), keras.layers.BatchNormalization(), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(folder / "small.keras")
    rng = np.random.default_rng(0)
    np.savez(folder / "data.npz", x_train=rng.random((96, 8, 8, 1), dtype=np.float32), y_train=rng.integers(0, 3, 96), x_test=rng.random((40, 8, 8, 1), dtype=np.float32), y_test=rng.integers(0, 3, 40))
    return folder


def test_the_cli_writes_everything_and_the_checkpoint_predicts_and_trains(small_model, tmp_path, data_dir):
    out = tmp_path / "out"
    completed = run_script("port.py", str(small_model / "small.keras"), "--output", str(out), "--data", str(small_model / "data.npz"), timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert sorted(path.name for path in out.iterdir()) == ["model.ckpt", "parity.json", "recipe.py", "report.html", "report.md"]
    assert "passed" in completed.stdout and "architecture: matches" in completed.stdout
    markdown = (out / "report.md").read_text()
    for section in ("## Model", "## Architecture", "## Parity against the live Keras model", "## Environment"):
        assert section in markdown
    assert "<script" not in (out / "report.html").read_text()
    recipe_text = (out / "recipe.py").read_text()
    assert "Conv2D(4, (3, 3), strides=(2, 2), padding=\"same\", activation=\"relu\")" in recipe_text
    assert "SGD(learning_rate=0.05, momentum=0.9)" in recipe_text and 'loss="sparse_categorical_crossentropy"' in recipe_text
    predicted = run_script("predict.py", "--checkpoint", str(out / "model.ckpt"), timeout=300)
    assert predicted.returncode == 0, predicted.stderr[-2000:]
    trained = run_script("train.py", "--recipe", str(out / "recipe.py"), "--weights", str(out / "model.ckpt"), "--epochs", "2", "--accelerator", "cpu", "--output-dir", str(tmp_path / "run"), "--no-progress-bar", timeout=600)
    assert trained.returncode == 0, trained.stderr[-3000:]
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["model"] == "small" and [row["epoch"] for row in result["history"]] == [1, 2]
    resumed = run_script("train.py", "--output-dir", str(tmp_path / "run"), "--resume", "--epochs", "3", "--no-progress-bar", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert [row["epoch"] for row in json.loads((tmp_path / "run" / "result.json").read_text())["history"]] == [1, 2, 3]


def _port_error(source, tmp_path, *extra) -> str:
    out = tmp_path / "never"
    completed = run_script("port.py", str(source), "--output", str(out), *extra, timeout=300)
    assert completed.returncode == 1, completed.stdout + completed.stderr[-2000:]
    assert not out.exists(), "a failed port left files behind"
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".never")], "a scratch folder was left behind"
    return last_error_line(completed)


def test_a_file_that_is_not_a_keras_model(tmp_path):
    (tmp_path / "notes.keras").write_text("hello")
    assert "not a Keras model file (a .keras file is a zip archive)" in _port_error(tmp_path / "notes.keras", tmp_path)
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("readme.txt", "no model here")
    assert "without config.json and model.weights.h5" in _port_error(tmp_path / "empty.keras", tmp_path)
    assert "no such file" in _port_error(tmp_path / "missing.keras", tmp_path)


def test_a_subclassed_model_is_refused_with_the_fix(keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    inputs = keras.Input((4,))
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(tmp_path / "functional.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "functional.keras").read("config.json"))
    config["class_name"] = "MyModel"
    _rewrite(tmp_path / "functional.keras", tmp_path / "subclassed.keras", {"config.json": json.dumps(config)})
    line = _port_error(tmp_path / "subclassed.keras", tmp_path)
    assert "a 'MyModel' model (a subclass of keras.Model): its config holds no graph" in line and "rebuild it with keras.Sequential or the Functional API" in line
    assert not (tmp_path / "never").exists()


def _rewrite(source, destination, replacements: dict):
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(destination, "w") as copy:
        for item in original.namelist():
            copy.writestr(item, replacements.get(item, original.read(item)))


def test_an_unsupported_layer_or_option_is_named_with_its_position(keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.GaussianNoise(0.1), keras.layers.Dense(1)]).save(tmp_path / "noise.keras")
    line = _port_error(tmp_path / "noise.keras", tmp_path)
    assert "node 'gaussian_noise' (GaussianNoise)" in line and "layer class GaussianNoise is not supported" in line
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, kernel_regularizer="l2", name="head")]).save(tmp_path / "l2.keras")
    assert "node 'head' (Dense)" in (line := _port_error(tmp_path / "l2.keras", tmp_path)) and "kernel_regularizer" in line


def test_a_model_without_a_compile_config_ports_its_architecture_and_weights(keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="tanh")]).save(tmp_path / "plain.keras")
    out = tmp_path / "plain"
    completed = run_script("port.py", str(tmp_path / "plain.keras"), "--output", str(out), timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "gradients: not measured: no compile() config" in completed.stdout
    recipe = recipe_from_file(out / "recipe.py")
    assert recipe.optimizer is None and recipe.loss is None and "no compile() config" in recipe.notes[0]
    refused = run_script("train.py", "--recipe", str(out / "recipe.py"), "--output-dir", str(tmp_path / "run"), timeout=120)
    assert refused.returncode == 2 and "has no optimizer or loss" in last_error_line(refused)
    assert not (tmp_path / "run").exists()


def test_weights_that_do_not_match_their_config(keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="dense")]).save(tmp_path / "a.keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, name="dense")]).save(tmp_path / "b.keras")
    _rewrite(tmp_path / "a.keras", tmp_path / "mixed.keras", {"model.weights.h5": zipfile.ZipFile(tmp_path / "b.keras").read("model.weights.h5")})
    line = _port_error(tmp_path / "mixed.keras", tmp_path)
    assert line == (
        f"port.py: error: {tmp_path / 'mixed.keras'}: node 'dense' (Dense): its stored weight dense/kernel has shape (4, 5), "
        "the layer's config makes (4, 3); the config and the weights disagree: save the model again with model.save()"
    )


def test_a_lambda_layer_is_refused_and_never_run(keras_tensorflow, tmp_path):
    """safe_mode: the Lambda's code would write a file if it ran."""
    keras = keras_tensorflow
    marker = tmp_path / "the-lambda-ran"
    code = f"lambda x: (open({str(marker)!r}, 'w').write('ran'), x)[1]"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(eval(code)), keras.layers.Dense(1)])
    model.save(tmp_path / "lambda.keras")
    marker.unlink(missing_ok=True)  # building the model ran it here, on purpose
    line = _port_error(tmp_path / "lambda.keras", tmp_path)
    assert "node 'lambda' (Lambda): a Lambda layer holds Python code, which the port does not run" in line
    assert not marker.exists(), "the Lambda's code was executed"


def test_an_occupied_output_folder_is_refused_untouched(small_model, tmp_path):
    out = tmp_path / "occupied"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    completed = run_script("port.py", str(small_model / "small.keras"), "--output", str(out), timeout=300)
    assert completed.returncode == 1 and "already holds files" in last_error_line(completed)
    assert [path.name for path in out.iterdir()] == ["keep.txt"]
    shutil.rmtree(out)
