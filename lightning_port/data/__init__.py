"""One data layer for both frameworks: raw numpy arrays, split the same way for both.

Preprocessing is *not* applied here: the Lightning side applies the recipe's
``Preprocessing`` and the Keras reference applies the tutorial's own lines, and a parity
test checks that the two produce the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lightning_port.data.cifar10 import load_cifar10
from lightning_port.data.errors import DataError
from lightning_port.data.mnist import load_mnist
from lightning_port.data.pima import load_pima
from lightning_port.data.root import resolve_data_root
from lightning_port.data.splits import holdout_split, stratified_split
from lightning_port.recipes.spec import SPLIT_SEED, Recipe

Arrays = tuple[np.ndarray, np.ndarray]

__all__ = ["DataError", "RawSplits", "load_raw_splits", "resolve_data_root"]


@dataclass
class RawSplits:
    """Unpreprocessed arrays. ``evaluations`` is ordered: the first entry is the reported "test"."""

    train: Arrays
    validation: Arrays | None
    evaluations: dict[str, Arrays] = field(default_factory=dict)

    @property
    def test_split(self) -> str:
        return next(iter(self.evaluations))


def _prefix(arrays: Arrays, count: int | None) -> Arrays:
    if count is None:
        return arrays
    return arrays[0][:count], arrays[1][:count]


def load_raw_splits(
    recipe: Recipe,
    data_root: Path,
    max_train_samples: int | None = None,
    holdout_fraction: float | None = None,
) -> RawSplits:
    """The recipe's data set, split as the recipe says; identical for both frameworks.

    ``max_train_samples`` keeps a prefix of the training split (after any validation split).
    ``holdout_fraction`` (Pima only) holds out a stratified fraction for a held-out score.
    """
    if holdout_fraction is not None and recipe.evaluate_on != "train":
        raise ValueError(f"--holdout applies to models scored on their training data (pima_mlp), not {recipe.name}")
    if recipe.dataset == "mnist":
        train, test = load_mnist(data_root)
    elif recipe.dataset == "cifar10":
        train, test = load_cifar10(data_root)
    elif recipe.dataset == "pima":
        train, test = load_pima(data_root), None
    else:
        raise ValueError(f"unknown dataset {recipe.dataset!r}")

    validation = None
    if recipe.validation_count:
        train_indices, validation_indices = holdout_split(len(train[0]), recipe.validation_count, SPLIT_SEED)
        validation = (train[0][validation_indices], train[1][validation_indices])
        train = (train[0][train_indices], train[1][train_indices])

    evaluations: dict[str, Arrays] = {}
    if holdout_fraction is not None:
        train_indices, holdout_indices = stratified_split(train[1], holdout_fraction, SPLIT_SEED)
        evaluations["holdout"] = (train[0][holdout_indices], train[1][holdout_indices])
        train = (train[0][train_indices], train[1][train_indices])
    train = _prefix(train, max_train_samples)
    if recipe.evaluate_on == "train":
        evaluations["train"] = train
    else:
        evaluations["test"] = test
    return RawSplits(train=train, validation=validation, evaluations=evaluations)
