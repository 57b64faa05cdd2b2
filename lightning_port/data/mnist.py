"""MNIST from IDX files, in the layout ``torchvision.datasets.MNIST(root)`` reads and writes.

Returns what ``keras.datasets.mnist.load_data()`` returns: uint8 images (N, 28, 28) and
uint8 labels (N,), so the Keras reference consumes it unchanged.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from lightning_port.data.errors import DataError
from lightning_port.data.downloads import ensure_files

SUBDIRECTORY = Path("MNIST") / "raw"
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10
_UNSIGNED_BYTE = 0x08  # IDX type code of every MNIST file
_FIX = "delete it and download again, or point --data-dir at a folder with the original files"


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: cannot read this gzip/IDX file ({error}); {_FIX}") from None


def read_idx(path: Path, dimensions: int) -> np.ndarray:
    """An unsigned-byte IDX array, with every header field checked against the file size."""
    data = _read_bytes(path)
    kind = "image" if dimensions == 3 else "label"
    expected_magic = (_UNSIGNED_BYTE << 8) | dimensions
    if len(data) < 4:
        raise DataError(f"{path}: {len(data)} bytes, too short for an IDX header; {_FIX}")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        raise DataError(
            f"{path}: not an MNIST IDX {kind} file (magic number 0x{magic:08x} at byte 0, "
            f"expected 0x{expected_magic:08x}); {_FIX}"
        )
    header_size = 4 + 4 * dimensions
    if len(data) < header_size:
        raise DataError(f"{path}: truncated IDX header ({len(data)} of {header_size} bytes); {_FIX}")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions))
    expected_size = header_size + math.prod(shape)
    if len(data) != expected_size:
        raise DataError(
            f"{path}: header says shape {shape} ({expected_size} bytes) but the file has "
            f"{len(data)} bytes (truncated or corrupt); {_FIX}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _download(root: Path) -> None:
    import torchvision

    for train in (True, False):
        torchvision.datasets.MNIST(root=str(root), train=train, download=True)


def load_mnist_split(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of one split, "train" or "test", as keras.datasets.mnist returns them."""
    directory = Path(root) / SUBDIRECTORY
    images_name, labels_name = FILES[split]
    # Training reads the test split next: check (and fetch) all four files at once, so a missing
    # data set is reported whole. Prediction reads the test files only.
    required = [name for pair in FILES.values() for name in pair] if split == "train" else [images_name, labels_name]
    ensure_files("MNIST", directory, required, lambda name: _find(directory, name) is not None, lambda: _download(Path(root)))
    images_path, labels_path = _find(directory, images_name), _find(directory, labels_name)
    images = read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if images.shape[1:] != IMAGE_SHAPE:
        raise DataError(f"{images_path}: images are {images.shape[1:]}, expected {IMAGE_SHAPE}; {_FIX}")
    if len(images) != len(labels):
        raise DataError(f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path.name}; {_FIX}")
    if labels.size and labels.max() >= NUM_CLASSES:
        position = int(np.argmax(labels >= NUM_CLASSES))
        raise DataError(f"{labels_path}: label {labels[position]} at byte {8 + position} is out of range 0-9; {_FIX}")
    return images, labels


def load_mnist(root: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((train_images, train_labels), (test_images, test_labels)), as keras.datasets.mnist."""
    return load_mnist_split(root, "train"), load_mnist_split(root, "test")
