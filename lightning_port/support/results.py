"""result.json: one training run of either framework, in one format.

``scripts/train.py`` (framework "lightning") and ``python -m keras_reference.run``
(framework "keras") both write it; reports and comparisons read it back through
``read_result``, which rejects a malformed file with a one-line message naming it.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
from numbers import Real
from pathlib import Path

from lightning_port.support.atomic import atomic_write_json

RESULT_FILE_NAME = "result.json"
FORMAT_VERSION = 1
FRAMEWORKS = ("lightning", "keras")

_REQUIRED_FIELDS = {
    "model": str,
    "framework": str,
    "seed": int,
    "epochs": int,
    "batch_size": int,
    "history": list,
    "test": dict,
    "train_samples": int,
    "wall_time_s": Real,
    "device": str,
    "versions": dict,
}
_HISTORY_FIELDS = {"epoch": int, "loss": Real, "seconds": Real}
# Besides these, a row holds the compiled metrics as Keras logs them ("accuracy" for "acc";
# "<output>_loss" for a model with several outputs): every other field must be a number.


def steady_epochs(seconds: list[float]) -> list[float]:
    """Epoch times without the first: epoch 1 pays one-off costs (graph tracing, allocator
    warm-up), later epochs are the steady state. A one-epoch run has only the first."""
    return seconds[1:] or seconds


class ResultFileError(ValueError):
    """A result.json that is missing, unreadable or not in the expected format."""


def package_versions(*names: str) -> dict[str, str]:
    """The installed version of each package that is installed, keyed by the name asked for: a
    distribution name or an import name (TensorFlow installs as "tensorflow-cpu" on Linux, which
    importlib.metadata does not find under "tensorflow")."""
    versions = {"python": platform.python_version()}
    by_import_name: dict[str, list[str]] | None = None  # read once, only if a name needs it (a scan of every installed package)
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
            continue
        except importlib.metadata.PackageNotFoundError:
            pass
        if by_import_name is None:
            by_import_name = importlib.metadata.packages_distributions()
        distributions = by_import_name.get(name)
        if distributions:
            versions[name] = importlib.metadata.version(distributions[0])
    return versions


_TYPE_NAMES = {int: "an integer", str: "a string", list: "a list", dict: "an object", Real: "a number"}


def _check_number(value, where: str, path) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ResultFileError(f"{path}: {where} is {value!r}, expected a finite number")


def validate_result(data, path="result.json") -> dict:
    """Return ``data`` if it is a well-formed result, else raise ResultFileError naming the file."""
    if not isinstance(data, dict):
        raise ResultFileError(f"{path}: expected a JSON object, got {type(data).__name__}")
    for name, expected in _REQUIRED_FIELDS.items():
        if name not in data:
            raise ResultFileError(f"{path}: missing field {name!r} (not a lightning-port result.json?)")
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ResultFileError(f"{path}: field {name!r} should be {_TYPE_NAMES[expected]}, got {value!r:.60}")
    if data["framework"] not in FRAMEWORKS:
        raise ResultFileError(f"{path}: framework {data['framework']!r} is not one of {', '.join(FRAMEWORKS)}")
    for index, row in enumerate(data["history"]):
        if not isinstance(row, dict):
            raise ResultFileError(f"{path}: history[{index}] should be an object")
        for name, expected in _HISTORY_FIELDS.items():
            if name not in row:
                raise ResultFileError(f"{path}: history[{index}] lacks {name!r}")
            _check_number(row[name], f"history[{index}].{name}", path)
        for name, value in row.items():
            if name not in _HISTORY_FIELDS:
                _check_number(value, f"history[{index}].{name}", path)
        if row["epoch"] != index + 1:
            raise ResultFileError(f"{path}: history[{index}] is epoch {row['epoch']}, expected {index + 1}")
    if "loss" not in data["test"]:
        raise ResultFileError(f"{path}: test lacks 'loss'")
    # The test split is evaluated with the compiled metrics the training rows log, so it names
    # each of them too (a loss-only model logs just "loss").
    trained = [name for name in (data["history"][-1] if data["history"] else {}) if name not in _HISTORY_FIELDS and not name.startswith("val_")]
    for name in trained:
        if name not in data["test"]:
            raise ResultFileError(f"{path}: test lacks {name!r}, which the training rows log")
    for name, value in data["test"].items():
        if name != "split":
            _check_number(value, f"test.{name}", path)
    return data


def read_result(path: str | Path) -> dict:
    path = Path(path)
    if path.is_dir():
        path = path / RESULT_FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultFileError(f"{path}: no such result file (run scripts/train.py or keras_reference.run first)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ResultFileError(f"{path}: cannot read ({error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultFileError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    return validate_result(data, path)


def write_result(directory: str | Path, data: dict) -> Path:
    """Validate and write ``directory/result.json`` atomically."""
    data = {"format_version": FORMAT_VERSION, **data}
    path = Path(directory) / RESULT_FILE_NAME
    validate_result(data, path)
    return atomic_write_json(path, data)
