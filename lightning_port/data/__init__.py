"""One data layer for both frameworks: raw numpy arrays, split the same way for both.

Preprocessing is *not* applied here: the Lightning side applies the recipe's
``Preprocessing`` and the Keras reference applies the tutorial's own lines, and a parity
test checks that the two produce the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lightning_port.data.datasets import DATASETS, Arrays, dataset_named
from lightning_port.data.errors import DataError
from lightning_port.data.noise import noisy_copy
from lightning_port.data.splits import holdout_split, stratified_split
from lightning_port.data.structure import flat, length, rows
from lightning_port.spec import SPLIT_SEED, Recipe, ValidationHoldout, ValidationOnTest, ValidationSplit

__all__ = ["DATASETS", "DataError", "RawSplits", "load_raw_splits"]


@dataclass
class RawSplits:
    """Unpreprocessed arrays. ``evaluations`` is ordered: the first entry is the reported "test".

    ``fit`` is what the tutorial passes to Keras's ``fit``: the training arrays, with the
    validation part still in them for a recipe that uses ``validation_split`` (Keras splits
    it off itself); ``train``/``validation`` are the parts after that split. A model with
    several inputs (outputs) has a tuple of arrays as its inputs (targets), in graph order.
    """

    train: Arrays | None
    validation: Arrays | None
    evaluations: dict[str, Arrays] = field(default_factory=dict)
    fit: Arrays | None = None
    # The recipe's input noise per phase, by split name: ``add_noise`` (data/noise.py).
    noise: dict = field(default_factory=dict)

    @property
    def test_split(self) -> str:
        return next(iter(self.evaluations))

    def add_noise(self, clean: np.ndarray, split: str, phase: int | None = None) -> np.ndarray:
        """The listing's noise on preprocessed inputs of ``split`` ("train", "validation" or an
        evaluation's name), the recipe's (the last noisy phase's unless ``phase`` says)."""
        noises = [noise for noise in self.noise.values() if noise is not None] if phase is None else [self.noise.get(phase)]
        if not noises or noises[-1] is None:
            raise ValueError("the recipe adds no input noise")
        return noisy_copy(clean, noises[-1], split)

    def digest(self) -> str:
        """SHA-256 of every array (shape, dtype and bytes), split by split: the same data give
        the same digest wherever they were read from, so a resumed run can check by content,
        not by path, that it trains on what it started on (the data may have moved)."""
        digest = hashlib.sha256()
        named = [("train", self.train), ("validation", self.validation), *self.evaluations.items()]
        for name, arrays in named:
            digest.update(name.encode())
            for part in arrays or ():
                for array in flat(part):
                    array = np.ascontiguousarray(array)
                    digest.update(f"{array.dtype.str}{array.shape}".encode())
                    digest.update(array.data)
        return digest.hexdigest()


def _prefix(arrays: Arrays, count: int | None) -> Arrays:
    if count is None:
        return arrays
    return rows(arrays[0], slice(0, count)), rows(arrays[1], slice(0, count))


def _take(arrays: Arrays, indices) -> Arrays:
    return rows(arrays[0], indices), rows(arrays[1], indices)


def _targets_are_inputs(recipe: Recipe, arrays: Arrays | None) -> Arrays | None:
    """An autoencoder's fit(x, x): the inputs as their own targets (preprocessed like them)."""
    if arrays is None or recipe.targets != "inputs":
        return arrays
    return arrays[0], arrays[0]


def load_raw_splits(
    recipe: Recipe,
    data_root: Path,
    max_train_samples: int | None = None,
    holdout_fraction: float | None = None,
    evaluation_only: bool = False,
) -> RawSplits:
    """The recipe's data set, split as the recipe says; identical for both frameworks.

    ``max_train_samples`` keeps a prefix of the training arrays (after a random validation
    hold-out; before a ``validation_split``, as Keras splits what fit() is given).
    ``holdout_fraction`` (models scored on their training data) holds out a stratified
    fraction for a held-out score. ``evaluation_only``: load only what is scored (prediction).
    """
    if holdout_fraction is not None and recipe.evaluate_on != "train":
        raise ValueError(f"--holdout applies to models scored on their training data (pima_mlp), not {recipe.name}")
    dataset = dataset_named(recipe.dataset)
    noise = {index: phase.input_noise for index, phase in enumerate(recipe.phases)}
    if evaluation_only and recipe.evaluate_on == "test" and dataset.load_test is not None:
        test = _targets_are_inputs(recipe, dataset.load_test(data_root, recipe))
        return RawSplits(train=None, validation=None, evaluations={"test": test}, noise=noise)
    train = _targets_are_inputs(recipe, dataset.load_train(data_root, recipe))

    validation = None
    if isinstance(recipe.validation, ValidationHoldout):
        train_indices, validation_indices = holdout_split(length(train[0]), recipe.validation.count, SPLIT_SEED)
        validation, train = _take(train, validation_indices), _take(train, train_indices)

    evaluations: dict[str, Arrays] = {}
    if holdout_fraction is not None:
        train_indices, holdout_indices = stratified_split(train[1], holdout_fraction, SPLIT_SEED)
        evaluations["holdout"] = _take(train, holdout_indices)
        train = _take(train, train_indices)
    fit = train = _prefix(train, max_train_samples)
    if isinstance(recipe.validation, ValidationSplit):
        split_at = recipe.validation.split_at(length(fit[0]))
        train, validation = _prefix(fit, split_at), _take(fit, slice(split_at, None))
    if recipe.evaluate_on == "train":
        evaluations["train"] = train
    else:
        if dataset.load_test is None:
            raise ValueError(f"{recipe.name} is scored on the test split, but data set {dataset.name} has none")
        evaluations["test"] = _targets_are_inputs(recipe, dataset.load_test(data_root, recipe))
    if isinstance(recipe.validation, ValidationOnTest):
        validation = evaluations["test"]
    return RawSplits(train=train, validation=validation, evaluations=evaluations, fit=fit, noise=noise)
