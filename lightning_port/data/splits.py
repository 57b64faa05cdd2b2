"""Fixed, seeded index splits shared by both frameworks, so both train on the same images."""

from __future__ import annotations

import numpy as np


def holdout_split(count: int, holdout: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices): a seeded random ``holdout`` of ``count`` items.

    Both index arrays are sorted, so the training images keep their original order.
    """
    if not 0 <= holdout < count:
        raise ValueError(f"cannot hold out {holdout} of {count} samples")
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[holdout:]), np.sort(order[:holdout])


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices) holding out ``fraction`` of every class."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"hold-out fraction must be between 0 and 1, got {fraction}")
    generator = np.random.default_rng(seed)
    held_out = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = int(round(len(members) * fraction))
        held_out.append(generator.permutation(members)[:take])
    held_out_indices = np.sort(np.concatenate(held_out))
    train_indices = np.setdiff1d(np.arange(len(labels)), held_out_indices)
    return train_indices, held_out_indices
