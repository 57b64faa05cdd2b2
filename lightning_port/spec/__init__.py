"""The vocabulary recipes are written in: Keras layers, optimizers and training settings as data.

A recipe module reads like the tutorial's Keras code::

    from lightning_port.spec import Adam, Dense, Recipe, ...
"""

from lightning_port.spec.layers import Activation, Conv2D, Dense, Dropout, Flatten, LayerSpec, MaxPooling2D
from lightning_port.spec.optimizers import Adam, OptimizerSpec, RMSprop
from lightning_port.spec.recipe import (
    DEFAULT_SEED,
    SPLIT_SEED,
    Article,
    Augmentation,
    Evidence,
    Preprocessing,
    Recipe,
    ReportedResult,
    Validation,
    ValidationHoldout,
    ValidationSplit,
)

__all__ = [
    "DEFAULT_SEED", "SPLIT_SEED", "Activation", "Adam", "Article", "Augmentation", "Conv2D", "Dense", "Dropout",
    "Evidence", "Flatten", "LayerSpec", "MaxPooling2D", "OptimizerSpec", "Preprocessing", "RMSprop", "Recipe",
    "ReportedResult", "Validation", "ValidationHoldout", "ValidationSplit",
]
