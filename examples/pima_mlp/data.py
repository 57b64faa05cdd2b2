"""The data pima_mlp trains on, prepared as the Keras listing prepares it."""

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


def load_pima(data_dir):
    """The Pima Indians diabetes CSV as the tutorial reads it: 8 features and a 0/1 label a row."""
    path = Path(data_dir) / "pima-indians-diabetes.csv"
    if not path.is_file():
        raise DataError(f"{path}: missing; download the tutorial's pima-indians-diabetes.csv there or pass --data-dir")
    dataset = np.loadtxt(path, delimiter=",")
    return dataset[:, 0:8], dataset[:, 8]


def preprocess(features):
    """The listing's preprocessing: the features as float32, of shape (8,)."""
    return features.astype(np.float64).astype(np.float32).reshape(len(features), 8)


class PimaDataModule(L.LightningDataModule):
    """The Pima CSV as pima_mlp trains on it (or your own arrays: npz=FILE)."""

    def __init__(self, data_dir="data", batch_size=10, npz=None):
        super().__init__()
        self.data_dir, self.batch_size, self.npz = data_dir, batch_size, npz

    def read(self, split):
        """Preprocessed (inputs, targets) tensors of a split."""
        features, labels = load_npz(self.npz, split) if self.npz else load_pima(self.data_dir)
        inputs = torch.from_numpy(preprocess(features))
        targets = torch.from_numpy(np.asarray(labels, np.float32).reshape(len(labels), 1))
        return inputs, targets

    def setup(self, stage):
        if stage in ("fit", "validate"):
            self.train_set = TensorDataset(*self.read("train"))
        if stage in ("test", "predict"):
            self.test_set = TensorDataset(*self.read("train"))  # the tutorial evaluates on its training data

    def train_dataloader(self):
        # Keras's fit(shuffle=True): a new order every epoch, the last partial batch kept.
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def test_dataloader(self):
        return DataLoader(self.test_set, batch_size=32)  # Keras's evaluate() batch size

    def predict_dataloader(self):
        return self.test_dataloader()
