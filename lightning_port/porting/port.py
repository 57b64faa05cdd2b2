"""scripts/port.py's work: a .keras file in; recipe.py, model.ckpt, parity.json and the report out.

Everything is written into a scratch folder beside the output folder and moved into place
only when complete: an interrupted or failed port leaves nothing half-written in it.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from lightning_port.data import load_raw_splits
from lightning_port.data.arrays import load_arrays_split, read_arrays
from lightning_port.data.structure import each, length, rows
from lightning_port.data.errors import DataError
from lightning_port.evidence.comparison.collect import recipe_record
from lightning_port.evidence.parity.architecture import compare_rows, keras_rows, lightning_rows
from lightning_port.models.keras_weights import WeightTranslationError, load_keras_weights
from lightning_port.models import build_backbone
from lightning_port.evidence.parity.measure import measure_parity, synthetic_data
from lightning_port.export.exporter import WEIGHTS_FILE, ExportError, export_sources, write_export
from lightning_port.porting.reader import PortError, read_keras_file
from lightning_port.porting.report import render
from lightning_port.porting.writer import recipe_source
from lightning_port.registry import recipe_from_file
from lightning_port.support.atomic import atomic_write_bytes, atomic_write_json
from lightning_port.support.provenance import stamp
from lightning_port.support.results import package_versions

RECIPE_FILE = "recipe.py"
CHECKPOINT_FILE = "model.ckpt"
PARITY_FILE = "parity.json"
STANDALONE_FOLDER = "lightning"  # --standalone: the port as plain Lightning code (export/)


def _measurement_data(recipe, data: Path | None, samples: int):
    """(inputs, targets, description): the user's arrays, else seeded synthetic ones."""
    if data is None:
        inputs, targets = synthetic_data(recipe, samples)
        shapes = " and ".join(str(tuple(shape)) for shape in recipe.input_shapes)
        return inputs, targets, f"{samples} seeded synthetic samples of shape {shapes}"
    if len(recipe.input_shapes) > 1 or len(recipe.output_names) > 1:
        # One array per input and output, named after them (data/arrays.py).
        input_names, output_names = tuple(item.name for item in recipe.graph.inputs), recipe.output_names
        for split in ("test", "train"):
            try:
                inputs, targets = load_arrays_split(Path(data).parent, str(Path(data).resolve()), split, input_names, output_names)
            except DataError:
                continue
            return rows(each(inputs, lambda array: array.astype(np.float32)), slice(0, samples)), rows(targets, slice(0, samples)), f"the first {min(samples, length(inputs))} rows of the {split} arrays in {data}"
        raise DataError(f"{data}: no x_test.<input> / y_test.<output> (or x_train...) arrays for inputs {', '.join(input_names)} and outputs {', '.join(output_names)}")
    arrays = read_arrays(data)
    for inputs_name, targets_name in (("x_test", "y_test"), ("x_train", "y_train"), ("x", "y")):
        if inputs_name in arrays:
            inputs = arrays[inputs_name][:samples]
            targets = arrays[targets_name][:samples] if targets_name in arrays else None
            if inputs.shape[1:] != tuple(recipe.input_shape):
                try:
                    inputs = inputs.reshape(len(inputs), *recipe.input_shape)
                except ValueError:
                    raise DataError(f"{data}: {inputs_name} has samples of shape {inputs.shape[1:]}, the model takes {tuple(recipe.input_shape)}") from None
            described = f"the first {len(inputs)} rows of {inputs_name} in {data}" + ("" if targets is not None else " (no targets: forward outputs only)")
            return inputs.astype(np.float32), targets, described
    raise DataError(f"{data}: no x_test, x_train or x array (it has {', '.join(sorted(arrays))}); save inputs under one of those names")


def _checkpoint(recipe, backbone, source: Path) -> bytes:
    """A checkpoint TutorialClassifier.from_checkpoint (predict.py, train.py --weights) reads;
    it names the recipe module beside it, so a ported model needs no registration."""
    import lightning

    state = {f"backbone.{name}": tensor for name, tensor in backbone.state_dict().items()}
    checkpoint = {
        "state_dict": state,
        "hyper_parameters": {"model": recipe.name, "batch_size": recipe.batch_size},
        "model_name": recipe.name,
        "recipe_file": RECIPE_FILE,
        "history": [],
        "imported_from": str(source),
        "pytorch-lightning_version": lightning.__version__,
    }
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


def write_recipe_module(recipe, path: Path, origin: str) -> None:
    """The recipe as a module that reads back to an equal recipe, its layers named alike: the
    names Keras's auto-naming would give are left out where that holds, else every name is written."""
    for all_names in (False, True):
        path.write_text(recipe_source(recipe, origin, all_names=all_names))
        written = recipe_from_file(path)
        if written.graph == recipe.graph and (all_names or written == recipe):
            return
    raise AssertionError(f"the written recipe module reads back differently: {written} != {recipe}")  # a bug, not bad input


def _standalone_data_root(recipe, data: Path | None) -> Path | None:
    """The data root the proof reads the user's arrays from: where their .npz has every split
    the exported data.py reads (else the proof runs on synthetic samples)."""
    if data is None:
        return None
    try:
        load_raw_splits(recipe, Path.cwd(), recipe.train_samples)
    except (DataError, ValueError, KeyError):
        return None
    return Path.cwd()


def _standalone(recipe, export, backbone, keras_model, folder: Path, data: Path | None) -> dict:
    """The port as plain Lightning code in ``folder``, and the proof that it is the port."""
    from lightning_port.export.proof import prove_export

    write_export(export, folder, backbone.state_dict())
    proof = prove_export(export, folder, backbone.state_dict(), _standalone_data_root(recipe, data), keras_model)
    return {"folder": folder.name, "files": [*export.files, WEIGHTS_FILE], **proof.as_dict(), "lines": proof.lines()}


def port_model(source: str | Path, output_dir: str | Path, data: str | Path | None = None, samples: int = 1_000, standalone: bool = False) -> dict:
    """Port ``source`` into ``output_dir``; returns the report data (parity.json's content).
    ``standalone``: also write the port as plain Lightning code (``STANDALONE_FOLDER``) and
    prove it is the port (``export.proof``)."""
    source, output_dir = Path(source), Path(output_dir)
    if output_dir.exists() and any(output_dir.iterdir()):
        raise PortError(f"{output_dir} already holds files; choose another --output or remove it")
    data = Path(data) if data else None
    read = read_keras_file(source, data_file=str(data) if data else "")
    recipe = read.recipe
    backbone = build_backbone(recipe)
    try:
        load_keras_weights(backbone, read.weights)
    except WeightTranslationError as error:
        raise PortError(f"{source}: the weights do not match the layers' configs ({error})") from None
    inputs, targets, described = _measurement_data(recipe, data, samples)
    export = None
    if standalone:
        try:
            export = export_sources(recipe)
        except ExportError as error:
            raise PortError(f"{source}: --standalone: {error}") from None

    output_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        write_recipe_module(recipe, scratch / RECIPE_FILE, f"The Keras model {source.name}.")
        atomic_write_bytes(scratch / CHECKPOINT_FILE, _checkpoint(recipe, backbone, source))
        keras_side, lightning_side = keras_rows(read.keras_model), lightning_rows(backbone)
        measurements = measure_parity(recipe, read.keras_model, inputs, targets)
        parity = []
        for measurement in measurements:
            comparison = measurement.comparison
            row = {"quantity": measurement.quantity, "note": measurement.note, "port_error": None, "keras_error": None, "ratio": None, "float64_difference": None, "bound": None, "passed": None}
            if comparison is not None:
                row.update(
                    port_error=comparison.port_error, keras_error=comparison.keras_error, ratio=comparison.ratio,
                    float64_difference=comparison.float64_difference, bound=comparison.bound,
                    passed=bool(comparison.passed and comparison.float64_agrees),
                )
            parity.append(row)
        differences = compare_rows(keras_side, lightning_side)
        report = {
            "source": str(source.resolve()),
            "recipe": recipe_record(recipe) | {"input_shape": list(recipe.input_shape) if recipe.input_shape is not None else [list(shape) for shape in recipe.input_shapes]},
            "metrics": read.metrics,
            "architecture": {"keras": [r.as_dict() for r in keras_side], "lightning": [r.as_dict() for r in lightning_side], "differences": differences},
            "parity": parity,
            "data": described,
            "passed": not differences and all(row["passed"] is not False for row in parity),
            **({"standalone": _standalone(recipe, export, backbone, read.keras_model, scratch / STANDALONE_FOLDER, data)} if export else {}),
            "versions": package_versions("torch", "lightning", "keras", "tensorflow", "numpy"),
            **stamp(),
        }
        if export is not None:
            report["passed"] = report["passed"] and report["standalone"]["passed"]
        atomic_write_json(scratch / PARITY_FILE, report)
        render(report, scratch)
        if output_dir.exists():
            output_dir.rmdir()  # empty (checked above)
        scratch.rename(output_dir)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return report


__all__ = ["CHECKPOINT_FILE", "PARITY_FILE", "RECIPE_FILE", "STANDALONE_FOLDER", "PortError", "port_model"]
