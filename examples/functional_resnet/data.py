"""The data functional_resnet trains on, prepared as the Keras listing prepares it."""

import pickle
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


def load_cifar10(data_dir, split):
    """(images, labels) of CIFAR-10's "train" or "test" split from the python-version batches in
    DATA_DIR/cifar-10-batches-py, images channels-last as keras.datasets.cifar10 returns them.
    The batches are pickles: load only files you trust."""
    folder = Path(data_dir) / "cifar-10-batches-py"
    names = [f"data_batch_{index}" for index in range(1, 6)] if split == "train" else ["test_batch"]
    images, labels = [], []
    for name in names:
        if not (folder / name).is_file():
            raise DataError(f"{folder / name}: missing; put CIFAR-10's python batches in {folder} or pass --data-dir")
        with open(folder / name, "rb") as file:
            batch = pickle.load(file, encoding="bytes")
        images.append(np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(np.asarray(batch[b"labels"]))
    return np.concatenate(images), np.concatenate(labels)


def preprocess(features):
    """The listing's preprocessing: x / 255 in float32, as float32, of shape (32, 32, 3)."""
    return (features.astype(np.float32) / 255).reshape(len(features), 32, 32, 3)


def class_indices(labels):
    """Labels as class indices; one-hot rows (what Keras's categorical crossentropy is fit on)
    become their argmax."""
    labels = np.asarray(labels)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    return labels.reshape(len(labels)).astype(np.int64)


class CIFAR10DataModule(L.LightningDataModule):
    """CIFAR-10 as functional_resnet trains on it (or your own arrays: npz=FILE)."""

    def __init__(self, data_dir="data", batch_size=64, npz=None, train_samples=1000):
        super().__init__()
        self.data_dir, self.batch_size, self.npz = data_dir, batch_size, npz
        self.train_samples = train_samples  # None or 0: every training sample

    def read(self, split):
        """Preprocessed (inputs, targets) tensors of a split."""
        features, labels = load_npz(self.npz, split) if self.npz else load_cifar10(self.data_dir, split)
        inputs = torch.from_numpy(preprocess(features))
        targets = torch.from_numpy(class_indices(labels))
        return inputs, targets

    def setup(self, stage):
        if stage in ("fit", "validate"):
            inputs, targets = self.read("train")
            if self.train_samples:  # the listing's demonstration slice, x_train[:1000]
                inputs, targets = inputs[: self.train_samples], targets[: self.train_samples]
            # fit(validation_split=0.2): the last 20% of the samples, before any shuffling.
            split = int(len(inputs) * (1 - 0.2))
            self.val_set = TensorDataset(inputs[split:], targets[split:])
            inputs, targets = inputs[:split], targets[:split]
            self.train_set = TensorDataset(inputs, targets)
        if stage in ("test", "predict"):
            self.test_set = TensorDataset(*self.read("test"))

    def train_dataloader(self):
        # Keras's fit(shuffle=True): a new order every epoch, the last partial batch kept.
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size)

    def test_dataloader(self):
        return DataLoader(self.test_set, batch_size=32)  # Keras's evaluate() batch size

    def predict_dataloader(self):
        return self.test_dataloader()
