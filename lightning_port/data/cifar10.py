"""CIFAR-10 from the canonical "python version" pickle batches, read directly.

torchvision's ``CIFAR10`` class rejects batches whose md5 differs from the original release
(the shared offline copy is a faithful re-encoding, not byte-identical), so the pickles are
read here. Unpickling is restricted to the few classes the batches contain: a pickle can run
arbitrary code, and a data file should not.

Returns what ``keras.datasets.cifar10.load_data()`` returns, except labels are (N,) not (N, 1):
uint8 images (N, 32, 32, 3) channels-last, uint8 labels.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from lightning_port.data.errors import DataError
from lightning_port.data.downloads import ensure_files

SUBDIRECTORY = Path("cifar-10-batches-py")
TRAIN_BATCHES = tuple(f"data_batch_{index}" for index in range(1, 6))
TEST_BATCHES = ("test_batch",)
NUM_CLASSES = 10
IMAGE_SIZE = 32 * 32 * 3
_FIX = "delete it and download again, or point --data-dir at a folder with the original batches"
# What a CIFAR batch pickle may reference: numpy's array reconstruction (module renamed in
# numpy 2) and nothing else.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _field(batch: dict, name: str):
    for key in (name.encode(), name):
        if key in batch:
            return batch[key]
    return None


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8, labels (N,) uint8) from one batch file."""
    try:
        with open(path, "rb") as handle:
            batch = _RestrictedUnpickler(handle, encoding="bytes").load()
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror}); {_FIX}") from None
    except Exception as error:  # pickle raises many types on corrupt input
        raise DataError(f"{path}: not a CIFAR-10 python pickle batch ({type(error).__name__}: {error}); {_FIX}") from None
    if not isinstance(batch, dict):
        raise DataError(f"{path}: expected a pickled dict with 'data' and 'labels', got {type(batch).__name__}; {_FIX}")
    data, labels = _field(batch, "data"), _field(batch, "labels")
    if data is None or labels is None:
        absent = [name for name in ("data", "labels") if _field(batch, name) is None]
        raise DataError(f"{path}: the batch has no {' or '.join(absent)} entry; {_FIX}")
    data = np.asarray(data)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != IMAGE_SIZE:
        raise DataError(
            f"{path}: 'data' is {data.dtype} {data.shape}, expected uint8 (N, {IMAGE_SIZE}); {_FIX}"
        )
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError):
        raise DataError(f"{path}: 'labels' is not a list of integers; {_FIX}") from None
    if labels.shape != (len(data),):
        raise DataError(f"{path}: {labels.size} labels for {len(data)} images; {_FIX}")
    out_of_range = np.flatnonzero((labels < 0) | (labels >= NUM_CLASSES))
    if out_of_range.size:
        index = int(out_of_range[0])
        raise DataError(f"{path}: label {labels[index]} of image {index} is out of range 0-9; {_FIX}")
    # Rows hold R, G and B planes of 1024 pixels each: (N, 3, 32, 32) -> channels-last.
    images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.uint8)


def _download(root: Path) -> None:
    import torchvision

    torchvision.datasets.CIFAR10(root=str(root), train=True, download=True)


def load_cifar10_split(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of one split, "train" (five batches) or "test"."""
    directory = Path(root) / SUBDIRECTORY
    names = list(TRAIN_BATCHES if split == "train" else TEST_BATCHES)
    # Training reads the test batch next: check all batches at once (see load_mnist_split).
    required = [*TRAIN_BATCHES, *TEST_BATCHES] if split == "train" else names
    ensure_files("CIFAR-10", directory, required, lambda name: (directory / name).is_file(), lambda: _download(Path(root)))
    parts = [read_batch(directory / name) for name in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def load_cifar10(root: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((train_images, train_labels), (test_images, test_labels))."""
    return load_cifar10_split(root, "train"), load_cifar10_split(root, "test")
