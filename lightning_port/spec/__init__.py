"""The vocabulary recipes are written in: Keras layers, models, losses, optimizers and training
settings as data. A recipe module reads like the tutorial's Keras code::

    from lightning_port.spec import Adam, Dense, Input, Model, Recipe, ...

Every registered layer kind (``lightning_port.layers.registry``) is importable from here by its
Keras class name; adding a kind adds nothing to this file.
"""

from lightning_port.layers.base import LayerKind
from lightning_port.layers.graph import Graph, Input
from lightning_port.layers.kinds.model import Model
from lightning_port.layers.registry import kind_classes
from lightning_port.spec.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    LossSpec,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from lightning_port.spec.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    CosineDecay,
    ExponentialDecay,
    LearningRateScheduleSpec,
    Nadam,
    OptimizerSpec,
    PiecewiseConstantDecay,
    RMSprop,
)
from lightning_port.spec.recipe import (
    DEFAULT_SEED,
    SPLIT_SEED,
    Article,
    Augmentation,
    Evidence,
    InputNoise,
    Phase,
    Preprocessing,
    Recipe,
    ReportedResult,
    Validation,
    ValidationHoldout,
    ValidationOnTest,
    ValidationSplit,
)

LayerSpec = LayerKind


def __getattr__(name: str):
    """A layer kind by its class name (``from lightning_port.spec import Conv2D``)."""
    kinds = kind_classes()
    if name in kinds:
        return kinds[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(kind_classes()))


__all__ = [  # noqa: PLE0604 - the layer kinds come from the registry
    "DEFAULT_SEED", "SPLIT_SEED", "Article", "Augmentation", "Evidence", "Graph", "Input", "InputNoise", "LayerKind", "LayerSpec", "Model",
    "Phase", "Preprocessing", "Recipe", "ReportedResult", "Validation", "ValidationHoldout", "ValidationOnTest", "ValidationSplit",
    "SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "CosineDecay", "ExponentialDecay", "LearningRateScheduleSpec",
    "Nadam", "OptimizerSpec", "PiecewiseConstantDecay", "RMSprop",
    "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "LossSpec", "MeanAbsoluteError", "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    *kind_classes(),
]
