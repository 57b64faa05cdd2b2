"""A user's own arrays: one ``.npz`` file with ``x_train`` and ``y_train`` (and ``x_test``,
``y_test`` for a test split), as ``numpy.savez`` writes them. Loaded without pickle
(``allow_pickle=False``): an .npz from elsewhere holds numbers, never code."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from lightning_port.data.errors import DataError

_FIX = "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"


def arrays_path(root: Path, data_file: str) -> Path:
    path = Path(data_file).expanduser()
    return path if path.is_absolute() else Path(root) / path


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, or a one-line DataError naming the file."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; {_FIX}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path}: not a readable .npz of plain arrays ({type(error).__name__}: {error}); {_FIX}") from None


def load_arrays_split(root: Path, data_file: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    if not data_file:
        raise DataError(f"the recipe reads the 'arrays' data set but names no data_file; set data_file to an .npz ({_FIX})")
    path = arrays_path(root, data_file)
    arrays = read_arrays(path)
    inputs, targets = f"x_{split}", f"y_{split}"
    missing = [name for name in (inputs, targets) if name not in arrays]
    if missing:
        raise DataError(f"{path}: no {' or '.join(missing)} array (it has {', '.join(sorted(arrays)) or 'none'}); {_FIX}")
    if len(arrays[inputs]) != len(arrays[targets]):
        raise DataError(f"{path}: {len(arrays[inputs])} {inputs} rows but {len(arrays[targets])} {targets} rows; {_FIX}")
    return arrays[inputs], arrays[targets]


def has_test_split(root: Path, data_file: str) -> bool:
    arrays = read_arrays(arrays_path(root, data_file))
    return "x_test" in arrays and "y_test" in arrays
