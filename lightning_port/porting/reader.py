"""A Keras 3 ``.keras`` file read into a recipe, its weights, and the live Keras model.

The file is checked before Keras sees it: it must be a ``.keras`` archive whose model is a
``Sequential`` (Functional and subclassed models are outside what this port covers, and are
refused by name). Keras then loads it with ``safe_mode=True``, so a Lambda layer or any
custom object in a file from elsewhere is refused, never executed. Every layer and every
compile() setting is read strictly (``keras_compat.layer_configs``, the optimizer reader):
an option the port cannot reproduce stops the port with one line naming it.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lightning_port.keras_compat.layer_configs import UnsupportedLayer, layer_from_keras
from lightning_port.keras_compat.optimizers import UnsupportedOptimizerOption, optimizer_from_keras_config
from lightning_port.spec import Article, Preprocessing, Recipe, ReportedResult
from lightning_port.spec.layers import summarize
from lightning_port.spec.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    LossSpec,
    SparseCategoricalCrossentropy,
    resolve_loss,
)

# Keras's fit() defaults: a .keras file does not store fit()'s arguments.
FIT_BATCH_SIZE_KERAS_DEFAULT = 32
FIT_EPOCHS_KERAS_DEFAULT = 1
_LOSS_CLASSES = {
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "BinaryCrossentropy": BinaryCrossentropy,
    "MeanSquaredError": resolve_loss("mse").__class__,
    "MeanAbsoluteError": resolve_loss("mae").__class__,
    "Huber": Huber,
}
_FIX = "pass a Keras 3 model saved with model.save('NAME.keras')"


class PortError(ValueError):
    """Input the port cannot take; the message is one line naming the file and the fix."""


@dataclass
class ReadModel:
    recipe: Recipe
    keras_model: object  # the live Keras model, as loaded
    weights: list[np.ndarray]  # get_weights() order
    compiled: bool  # the file held a compile() config
    metrics: list[str] = field(default_factory=list)


def _archive_config(path: Path) -> dict:
    if not path.is_file():
        raise PortError(f"{path}: no such file; {_FIX}")
    if not zipfile.is_zipfile(path):
        raise PortError(f"{path}: not a Keras model file (a .keras file is a zip archive); {_FIX}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names or "model.weights.h5" not in names:
                raise PortError(f"{path}: a zip archive without config.json and model.weights.h5, not a Keras 3 model; {_FIX}")
            return json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PortError(f"{path}: unreadable Keras archive ({type(error).__name__}: {error}); {_FIX}") from None


def _check_sequential(path: Path, config: dict) -> None:
    kind = config.get("class_name")
    if kind == "Sequential":
        return
    if kind == "Functional":
        raise PortError(f"{path}: a Functional model; scripts/port.py ports Sequential models (a stack of layers, one input, one output)")
    raise PortError(f"{path}: a {kind!r} model (subclassed or custom); scripts/port.py ports keras.Sequential models only")


def _loss(config, path: Path) -> LossSpec:
    if isinstance(config, str):
        try:
            return resolve_loss(config)
        except ValueError as error:
            raise PortError(f"{path}: loss: {error}") from None
    if isinstance(config, dict) and config.get("class_name") in _LOSS_CLASSES:
        options = dict(config.get("config") or {})
        options.pop("name", None)
        options.pop("dtype", None)
        if options.pop("reduction", "sum_over_batch_size") != "sum_over_batch_size":
            raise PortError(f"{path}: loss reduction {config['config'].get('reduction')!r} is not supported (sum_over_batch_size only)")
        for key, default in (("label_smoothing", 0.0), ("axis", -1), ("ignore_class", None)):
            if key in options and options.pop(key) not in (default, [default]):
                raise PortError(f"{path}: loss option {key}={config['config'][key]!r} is not supported")
        try:
            return _LOSS_CLASSES[config["class_name"]](**options)
        except TypeError as error:
            raise PortError(f"{path}: loss {config['class_name']}: {error}") from None
    raise PortError(f"{path}: loss {config!r} is not supported; supported: categorical, sparse categorical and binary crossentropy, MSE, MAE, Huber")


def _recipe_name(path: Path) -> str:
    name = re.sub(r"\W+", "_", path.stem).strip("_").lower() or "ported"
    return name if not name[0].isdigit() else f"model_{name}"


def read_keras_file(path: str | Path, data_file: str = "", evaluate_on: str = "test") -> ReadModel:
    """The model in ``path`` as a recipe (plus the live Keras model and its weights).

    Keras must be importable with its backend selected (``keras_reference.backend``)."""
    path = Path(path)
    config = _archive_config(path)
    _check_sequential(path, config)
    layers_config = [layer for layer in config["config"].get("layers", []) if layer.get("class_name") != "InputLayer"]
    try:
        layers = tuple(layer_from_keras(layer["class_name"], layer.get("config", {}), index) for index, layer in enumerate(layers_config))
    except UnsupportedLayer as error:
        raise PortError(f"{path}: {error}") from None
    if not layers:
        raise PortError(f"{path}: the Sequential model has no layers")

    import keras

    try:
        model = keras.saving.load_model(path, compile=True, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types; each becomes one line
        message = " ".join(str(error).split())
        if "safe_mode" in message or "Lambda" in message:
            raise PortError(f"{path}: refused: the file holds Python code (a Lambda layer or a function), which safe mode does not execute; port a model without it") from None
        if "Could not locate" in message or "Unknown" in message:
            raise PortError(f"{path}: a custom class the port does not know ({message[:200]}); only Keras's own layers, losses and optimizers are supported") from None
        raise PortError(f"{path}: Keras could not load it ({type(error).__name__}: {message[:300]})") from None
    input_shape = tuple(int(size) for size in model.input_shape[1:]) if getattr(model, "inputs", None) else None
    if not input_shape or any(size is None for size in input_shape):
        raise PortError(f"{path}: the model has no fixed input shape; build it with keras.Input(shape=...) first")

    compile_config = config.get("compile_config") or {}
    optimizer = loss = None
    if compile_config:
        optimizer_config = compile_config.get("optimizer")
        if isinstance(optimizer_config, str):
            optimizer_config = {"class_name": optimizer_config, "config": {}}
        try:
            optimizer = optimizer_from_keras_config(optimizer_config["class_name"], optimizer_config.get("config") or {})
        except UnsupportedOptimizerOption as error:
            raise PortError(f"{path}: {error}") from None
        loss = _loss(compile_config.get("loss"), path)
        if loss == type(loss)():
            loss = loss.keras_name  # with Keras's defaults: as compile(loss="...") names it
        if compile_config.get("loss_weights") not in (None, 1, 1.0):
            raise PortError(f"{path}: loss_weights={compile_config['loss_weights']!r} is not supported")
    weights = model.get_weights()
    summary = summarize(layers, input_shape)
    parameters = sum(row.parameters for row in summary)
    if parameters != model.count_params():
        raise PortError(f"{path}: the layers' configs give {parameters:,} weights but the model holds {model.count_params():,}; the file is inconsistent")
    metrics = [str(metric) for metric in (compile_config.get("metrics") or [])]
    recipe = Recipe(
        name=_recipe_name(path),
        description=f"ported from {path.name}: {len(layers)} layers, {type(optimizer).__name__ if optimizer else 'no optimizer'}, {resolve_loss(loss).keras_name if loss else 'no loss'}",
        article=Article(
            title=f"Keras model {path.name}",
            author="read by scripts/port.py",
            note="layers, weights and compile() settings read from the file; fit() arguments are not stored in a .keras file (Keras's defaults below)",
        ),
        dataset="arrays",
        data_file=str(Path(data_file).resolve()) if data_file else "",
        input_shape=input_shape,
        preprocessing=Preprocessing(),
        layers=layers,
        optimizer=optimizer,
        loss=loss,
        epochs=FIT_EPOCHS_KERAS_DEFAULT,
        batch_size=FIT_BATCH_SIZE_KERAS_DEFAULT,
        parameter_count=parameters,
        reported=ReportedResult(),
        accuracy_target=0.0,
        evaluate_on=evaluate_on,
        notes=() if compile_config else ("The file held no compile() config: no optimizer or loss was read; add them before training.",),
    )
    return ReadModel(recipe, model, weights, compiled=bool(compile_config), metrics=metrics)
