"""The data addition_rnn trains on, prepared as the Keras listing prepares it."""

import functools

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


TRAINING_SIZE, DIGITS, MAXLEN = 50_000, 3, 7  # the listing's; MAXLEN: "345+678"
CHARACTERS = " +0123456789"  # the listing's CharacterTable: sorted(set("0123456789+ "))
SEED = 1337  # the listing draws from numpy's global generator unseeded; lightning-port from this seed


@functools.cache
def addition_questions():
    """((x_train, y_train), (x_val, y_val)) as the listing makes them, booleans: questions "a+b"
    (a and b of 1 to 3 digits, no pair twice in either order) padded with spaces to 7
    characters and reversed, their sums padded to 4, each character one-hot over the 12,
    shuffled, the last 10% held out. The listing's draws (choice, randint, shuffle) in its
    order, from a RandomState of a fixed seed: the bytes lightning-port's framework and its
    Keras reference train on."""
    generator = np.random.RandomState(SEED)
    digits = list("0123456789")

    def number():
        return int("".join(generator.choice(digits) for _ in range(generator.randint(1, DIGITS + 1))))

    questions, answers, seen = [], [], set()
    while len(questions) < TRAINING_SIZE:
        a, b = number(), number()
        key = tuple(sorted((a, b)))  # the listing skips repeats, x+y and y+x alike
        if key in seen:
            continue
        seen.add(key)
        question = f"{a}+{b}"
        questions.append((question + " " * (MAXLEN - len(question)))[::-1])  # REVERSE = True
        answer = str(a + b)
        answers.append(answer + " " * (DIGITS + 1 - len(answer)))
    one_hot = np.eye(len(CHARACTERS), dtype=bool)
    x = one_hot[np.array([[CHARACTERS.index(character) for character in text] for text in questions])]
    y = one_hot[np.array([[CHARACTERS.index(character) for character in text] for text in answers])]
    indices = np.arange(len(y))
    generator.shuffle(indices)
    x, y = x[indices], y[indices]
    split_at = len(x) - len(x) // 10  # "Explicitly set apart 10% for validation data"
    return (x[:split_at], y[:split_at]), (x[split_at:], y[split_at:])


def load_addition(split):
    """(questions, answers) of the "train" split (the first 90%) or the "test" split (the
    listing's validation data, the last 10%)."""
    train, test = addition_questions()
    return train if split == "train" else test


def preprocess(features):
    """The listing's preprocessing: the features as float32, of shape (7, 12)."""
    return features.astype(np.float32).reshape(len(features), 7, 12)


def class_indices(labels):
    """One-hot labels, one row per step (what Keras's categorical crossentropy is fit on), as
    their argmax: a class index per step."""
    return np.asarray(labels).argmax(axis=-1).astype(np.int64)


class AdditionDataModule(L.LightningDataModule):
    """The listing's 50,000 addition questions as addition_rnn trains on them (or your own arrays: npz=FILE)."""

    def __init__(self, batch_size=32, npz=None):
        super().__init__()
        self.batch_size, self.npz = batch_size, npz

    def read(self, split):
        """Preprocessed (inputs, targets) tensors of a split."""
        features, labels = load_npz(self.npz, split) if self.npz else load_addition(split)
        inputs = torch.from_numpy(preprocess(features))
        targets = torch.from_numpy(class_indices(labels))
        return inputs, targets

    def setup(self, stage):
        if stage in ("fit", "validate"):
            self.train_set = TensorDataset(*self.read("train"))
            self.val_set = TensorDataset(*self.read("test"))  # fit(validation_data=(x_test, y_test))
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
