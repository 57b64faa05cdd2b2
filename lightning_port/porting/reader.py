"""A Keras 3 ``.keras`` file read into a recipe, its weights, and the live Keras model.

The file is checked before Keras sees it: it must be a ``.keras`` archive whose model is a
``Sequential`` or a Functional model (a subclassed model has no graph in its config, and is
refused by name). Every layer is read strictly by its kind (``layers.keras_graph``), and
every compile() setting by the optimizer and loss readers: a layer, option or call the port
cannot reproduce stops the port with one line naming the node, its class and the fix. Keras
then loads the file with ``safe_mode=True``, so a Lambda layer or any custom object in a file
from elsewhere is refused, never executed.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lightning_port.keras_compat.metrics import SUPPORTED_METRICS
from lightning_port.keras_compat.optimizers import UnsupportedOptimizerOption, optimizer_from_keras_config
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.keras_graph import canonical_names, model_graph
from lightning_port.layers.kinds.model import Functional
from lightning_port.ops.windows import LayerShapeError
from lightning_port.spec import Article, Preprocessing, Recipe, ReportedResult
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
# Keras's load_model message when a stored weight does not fit the layer its config builds.
_WEIGHT_MISMATCH = re.compile(
    r"object <(?P<kind>\w+) name=(?P<name>[^,>]+),.*?variable\.shape=(?P<expected>\([^)]*\)), Received: value\.shape=(?P<stored>\([^)]*\))\. "
    r"Target variable: <Variable path=(?P<variable>[^,]+),"
)


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


def _check_model(path: Path, config: dict) -> None:
    kind = config.get("class_name")
    if kind in ("Sequential", "Functional", "Model"):
        return
    raise PortError(
        f"{path}: a {kind!r} model (a subclass of keras.Model): its config holds no graph of layers, only its class; "
        "rebuild it with keras.Sequential or the Functional API (keras.Model(inputs, outputs)) and save that"
    )


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
    _check_model(path, config)
    model_config = config.get("config") or {}
    try:
        graph = canonical_names(model_graph(config["class_name"], model_config))
        layers = graph.layers if config["class_name"] == "Sequential" else Functional(graph=graph, name=graph.name)
    except UnsupportedLayer as error:
        raise PortError(f"{path}: {error}") from None
    except LayerShapeError as error:
        raise PortError(f"{path}: {error}; the file's layers do not fit together") from None

    import keras

    try:
        model = keras.saving.load_model(path, compile=True, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many types; each becomes one line
        message = " ".join(str(error).split())
        mismatch = _WEIGHT_MISMATCH.search(message)
        if mismatch:
            raise PortError(
                f"{path}: node '{mismatch['name']}' ({mismatch['kind']}): its stored weight {mismatch['variable']} has shape {mismatch['stored']}, "
                f"the layer's config makes {mismatch['expected']}; the config and the weights disagree: save the model again with model.save()"
            ) from None
        if "safe_mode" in message or "Lambda" in message:
            raise PortError(f"{path}: refused: the file holds Python code (a Lambda layer or a function), which safe mode does not execute; port a model without it") from None
        if "Could not locate" in message or "Unknown" in message:
            raise PortError(f"{path}: a custom class the port does not know ({message[:200]}); only Keras's own layers, losses and optimizers are supported") from None
        raise PortError(f"{path}: Keras could not load it ({type(error).__name__}: {message[:300]})") from None
    keras_model = model

    compile_config = config.get("compile_config") or {}
    optimizer = loss = loss_weights = None
    notes = [] if compile_config else ["The file held no compile() config: no optimizer or loss was read; add them before training."]
    metrics: object = ()
    if compile_config:
        optimizer_config = compile_config.get("optimizer")
        if isinstance(optimizer_config, str):
            optimizer_config = {"class_name": optimizer_config, "config": {}}
        try:
            optimizer = optimizer_from_keras_config(optimizer_config["class_name"], optimizer_config.get("config") or {})
        except UnsupportedOptimizerOption as error:
            raise PortError(f"{path}: {error}") from None
        loss = losses_from_keras_config(compile_config.get("loss"), path)
        loss_weights = _loss_weights(compile_config.get("loss_weights"), path)
        metrics, dropped = metrics_from_keras_config(compile_config.get("metrics"))
        if dropped:
            notes.append(f"compile() metrics the port does not compute were left out: {', '.join(dropped)} (training is unchanged)")
    recipe_layers = layers if isinstance(layers, Functional) else tuple(layers)
    probe = Recipe(
        name=_recipe_name(path), description="", article=Article("", ""), dataset="arrays", preprocessing=Preprocessing(),
        layers=recipe_layers, input_shape=None if isinstance(recipe_layers, Functional) else graph.inputs[0].shape,
        optimizer=None, loss=None, epochs=1, batch_size=1, parameter_count=0, reported=ReportedResult(), accuracy_target=0.0,
    )
    try:
        parameters = probe.graph.parameter_count()  # the layers' shapes, each checked by its kind
    except LayerShapeError as error:
        raise PortError(f"{path}: {error}") from None
    if parameters != keras_model.count_params():
        raise PortError(f"{path}: the layers' configs give {parameters:,} weights but the model holds {keras_model.count_params():,}; the config and the weights disagree")
    weights = keras_model.get_weights()
    described_loss = _describe_loss(loss)
    count = len(probe.graph.layers)
    recipe = Recipe(
        name=_recipe_name(path),
        description=f"ported from {path.name}: {count} layers, {type(optimizer).__name__ if optimizer else 'no optimizer'}, {described_loss}",
        article=Article(
            title=f"Keras model {path.name}",
            author="read by scripts/port.py",
            note="layers, weights and compile() settings read from the file; fit() arguments are not stored in a .keras file (Keras's defaults below)",
        ),
        dataset="arrays",
        data_file=str(Path(data_file).resolve()) if data_file else "",
        input_shape=probe.input_shape if not isinstance(recipe_layers, Functional) else None,
        preprocessing=Preprocessing(),
        layers=recipe_layers,
        optimizer=optimizer,
        loss=loss,
        loss_weights=loss_weights,
        metrics=metrics,
        epochs=FIT_EPOCHS_KERAS_DEFAULT,
        batch_size=FIT_BATCH_SIZE_KERAS_DEFAULT,
        parameter_count=parameters,
        reported=ReportedResult(),
        accuracy_target=0.0,
        evaluate_on=evaluate_on,
        notes=tuple(notes),
    )
    return ReadModel(recipe, keras_model, weights, compiled=bool(compile_config), metrics=[str(metric) for metric in _flat_metrics(compile_config.get("metrics"))])


def losses_from_keras_config(config, path: Path | str = "the model"):
    """compile(loss=...): one loss, a list per output or a dict by output name."""
    def one(item):
        if item is None:
            return None
        loss = _loss(item, path)
        return loss.keras_name if loss == type(loss)() else loss  # with Keras's defaults: as compile(loss="...") names it

    if isinstance(config, list):
        return tuple(one(item) for item in config)
    if isinstance(config, dict) and "class_name" not in config:
        return {name: one(item) for name, item in config.items()}
    return one(config)


def _loss_weights(config, path: Path):
    if config in (None, 1, 1.0):
        return None
    if isinstance(config, list) and all(isinstance(item, (int, float)) for item in config):
        return tuple(float(item) for item in config)
    if isinstance(config, dict) and all(isinstance(item, (int, float)) for item in config.values()):
        return {name: float(item) for name, item in config.items()}
    raise PortError(f"{path}: loss_weights={config!r} is not supported (a number per output, as a list or a dict by output name)")


def _metric_name(metric) -> str | None:
    name = metric if isinstance(metric, str) else (metric or {}).get("config", {}).get("name") if isinstance(metric, dict) else None
    return name if name in SUPPORTED_METRICS else None


def _flat_metrics(config) -> list:
    if isinstance(config, dict):
        return [item for value in config.values() for item in (value if isinstance(value, list) else [value])]
    if isinstance(config, list):
        return [item for value in config for item in (value if isinstance(value, list) else [value])]
    return []


def metrics_from_keras_config(config):
    """compile(metrics=...) as a recipe writes it, and the names left out (not computed)."""
    dropped = [str(item) if isinstance(item, str) else str((item or {}).get("class_name")) for item in _flat_metrics(config) if _metric_name(item) is None]
    if isinstance(config, dict):
        return {name: tuple(filter(None, (_metric_name(item) for item in (value if isinstance(value, list) else [value])))) for name, value in config.items()}, dropped
    if isinstance(config, list) and config and all(isinstance(item, list) for item in config):
        return tuple(tuple(filter(None, (_metric_name(item) for item in value))) for value in config), dropped
    return tuple(filter(None, (_metric_name(item) for item in (config or [])))), dropped


def _describe_loss(loss) -> str:
    if loss is None:
        return "no loss"
    if isinstance(loss, dict):
        return ", ".join(f"{name}: {_describe_loss(item)}" for name, item in loss.items())
    if isinstance(loss, tuple):
        return ", ".join(_describe_loss(item) for item in loss)
    return resolve_loss(loss).keras_name
