"""What defines a training run in either framework: the same fields, so runs compare."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RunOptions:
    """Unset values (None) mean "the tutorial's": see the recipe."""

    model: str
    output_dir: str
    epochs: int | None = None
    batch_size: int | None = None
    seed: int | None = None
    data_dir: str | None = None
    max_train_samples: int | None = None
    holdout: float | None = None  # pima_mlp only: stratified held-out fraction
