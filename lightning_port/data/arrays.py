"""A user's own arrays: one ``.npz`` file with ``x_train`` and ``y_train`` (and ``x_test``,
``y_test`` for a test split), as ``numpy.savez`` writes them; a model with several inputs (or
outputs) takes one array per input, ``x_train.<input name>`` (``y_train.<output name>``), the
names Keras gave them. Loaded without pickle (``allow_pickle=False``): an .npz from elsewhere
holds numbers, never code."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from lightning_port.data.errors import DataError

_FIX = "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...) (several inputs: x_train.<input name>=...)"


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


def _named(arrays: dict, path: Path, prefix: str, names: tuple[str, ...]):
    """``prefix`` (one name) or ``prefix.<name>`` for each of several names, as a tuple."""
    if len(names) <= 1:
        keys = [prefix]
    else:
        keys = [f"{prefix}.{name}" for name in names]
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise DataError(f"{path}: no {' or '.join(missing)} array (it has {', '.join(sorted(arrays)) or 'none'}); {_FIX}")
    values = tuple(arrays[key] for key in keys)
    if len({len(value) for value in values}) > 1:
        raise DataError(f"{path}: the {prefix} arrays differ in length ({', '.join(f'{key} {len(arrays[key])}' for key in keys)}); {_FIX}")
    return values[0] if len(values) == 1 else values


def load_arrays_split(root: Path, data_file: str, split: str, input_names: tuple[str, ...] = (), output_names: tuple[str, ...] = ()):
    """(inputs, targets) of one split: arrays, or tuples of them for several inputs or outputs."""
    if not data_file:
        raise DataError(f"the recipe reads the 'arrays' data set but names no data_file; set data_file to an .npz ({_FIX})")
    path = arrays_path(root, data_file)
    arrays = read_arrays(path)
    inputs = _named(arrays, path, f"x_{split}", input_names)
    targets = _named(arrays, path, f"y_{split}", output_names)
    count = len(inputs[0] if isinstance(inputs, tuple) else inputs)
    target_count = len(targets[0] if isinstance(targets, tuple) else targets)
    if count != target_count:
        raise DataError(f"{path}: {count} x_{split} rows but {target_count} y_{split} rows; {_FIX}")
    return inputs, targets


def has_test_split(root: Path, data_file: str) -> bool:
    arrays = read_arrays(arrays_path(root, data_file))
    return any(name == "x_test" or name.startswith("x_test.") for name in arrays)
