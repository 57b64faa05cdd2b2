"""The data mnist_mlp_rmsprop trains on, prepared as the Keras listing prepares it."""

import gzip
from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


class DataError(Exception):
    """A data file that is missing or unreadable; the message names it and the fix."""


def load_npz(path, split):
    """(inputs, targets) of a split of your own .npz: arrays x_train, y_train, x_test, y_test."""
    with np.load(path) as arrays:
        missing = [name for name in (f"x_{split}", f"y_{split}") if name not in arrays]
        if missing:
            fix = "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
            raise DataError(f"{path}: no {' or '.join(missing)} array; {fix}")
        return arrays[f"x_{split}"], arrays[f"y_{split}"]


def read_idx(path):
    """An IDX file (raw or .gz) as a uint8 array: a 4-byte magic number whose last byte counts the
    axes, one 4-byte big-endian size per axis, then the bytes."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    axes = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(axes))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * axes).reshape(shape)


def load_mnist(data_dir, split):
    """(images, labels) of MNIST's "train" or "test" split from DATA_DIR/MNIST/raw, the layout
    torchvision.datasets.MNIST(root=DATA_DIR, download=True) leaves."""
    folder = Path(data_dir) / "MNIST" / "raw"
    prefix = "train" if split == "train" else "t10k"
    arrays = []
    for name in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
        path = next((folder / file for file in (name, f"{name}.gz") if (folder / file).is_file()), None)
        if path is None:
            raise DataError(f"{folder / name}: missing; put MNIST's IDX files in {folder} or pass --data-dir")
        arrays.append(read_idx(path))
    return tuple(arrays)


def preprocess(features):
    """The listing's preprocessing: x / 255 in float32, as float32, of shape (784,)."""
    return (features.astype(np.float32) / 255).reshape(len(features), 784)


def class_indices(labels):
    """Labels as class indices; one-hot rows (what Keras's categorical crossentropy is fit on)
    become their argmax."""
    labels = np.asarray(labels)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    return labels.reshape(len(labels)).astype(np.int64)


class MNISTDataModule(L.LightningDataModule):
    """MNIST as mnist_mlp_rmsprop trains on it (or your own arrays: npz=FILE)."""

    def __init__(self, data_dir="data", batch_size=32, npz=None):
        super().__init__()
        self.data_dir, self.batch_size, self.npz = data_dir, batch_size, npz

    def read(self, split):
        """Preprocessed (inputs, targets) tensors of a split."""
        features, labels = load_npz(self.npz, split) if self.npz else load_mnist(self.data_dir, split)
        inputs = torch.from_numpy(preprocess(features))
        targets = torch.from_numpy(class_indices(labels))
        return inputs, targets

    def setup(self, stage):
        if stage in ("fit", "validate"):
            self.train_set = TensorDataset(*self.read("train"))
        if stage in ("test", "predict"):
            self.test_set = TensorDataset(*self.read("test"))

    def train_dataloader(self):
        # Keras's fit(shuffle=True): a new order every epoch, the last partial batch kept.
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def test_dataloader(self):
        return DataLoader(self.test_set, batch_size=32)  # Keras's evaluate() batch size

    def predict_dataloader(self):
        return self.test_dataloader()
