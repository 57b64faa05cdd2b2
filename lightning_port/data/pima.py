"""The Pima Indians Diabetes CSV: 768 rows of 8 numeric features and a 0/1 label.

Parsed row by row (not with ``numpy.loadtxt``) so that a bad row is reported by line number
instead of as a numpy traceback. The result equals the tutorial's
``loadtxt(path, delimiter=',')`` split into ``X = dataset[:, 0:8]`` and ``y = dataset[:, 8]``.
"""

from __future__ import annotations

import math
import urllib.request
from pathlib import Path

import numpy as np

from lightning_port.support.atomic import atomic_write_bytes
from lightning_port.data.errors import DataError
from lightning_port.data.downloads import ensure_files

FILE_NAME = "pima-indians-diabetes.csv"
URL = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/pima-indians-diabetes.data.csv"
NUM_FEATURES = 8
_FIX = "fix that row or download the file again"


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def parse_pima_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, 8) float64, labels (N,) float64 of 0.0/1.0)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read as a text CSV ({error}); download the file again") from None
    rows: list[list[float]] = []
    columns = NUM_FEATURES + 1
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue  # numpy.loadtxt skips blank lines too
        fields = [field.strip() for field in line.split(",")]
        if not rows and not any(_is_number(field) for field in fields):
            continue  # a header row, as many public copies have ("Pregnancies,Glucose,...")
        if len(fields) != columns:
            raise DataError(
                f"{path}:{line_number}: expected {columns} comma-separated values "
                f"(8 features and a 0/1 label), found {len(fields)}; {_FIX}"
            )
        for column, field in enumerate(fields, start=1):
            if not _is_number(field):
                shown = repr(field) if field else "an empty field"
                raise DataError(f"{path}:{line_number}: column {column} is {shown}, expected a number; {_FIX}")
        values = [float(field) for field in fields]
        if values[-1] not in (0.0, 1.0):
            raise DataError(f"{path}:{line_number}: label (column 9) is {fields[-1]}, expected 0 or 1; {_FIX}")
        rows.append(values)
    if not rows:
        raise DataError(f"{path}: no data rows; download the file again")
    dataset = np.asarray(rows, dtype=np.float64)
    return dataset[:, 0:NUM_FEATURES], dataset[:, NUM_FEATURES]


def _download(destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(URL, timeout=30) as response:
        atomic_write_bytes(destination, response.read())


def load_pima(root: Path) -> tuple[np.ndarray, np.ndarray]:
    path = Path(root) / FILE_NAME
    ensure_files("Pima CSV", Path(root), [FILE_NAME], lambda name: (Path(root) / name).is_file(), lambda: _download(path))
    return parse_pima_csv(path)
