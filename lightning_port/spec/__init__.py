"""The vocabulary recipes are written in: Keras layers, optimizers and training settings as data.

A recipe module reads like the tutorial's Keras code::

    from lightning_port.spec import Adam, Dense, Recipe, ...
"""

from lightning_port.spec.layers import (
    ELU,
    Activation,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    LayerNormalization,
    LayerSpec,
    LeakyReLU,
    MaxPooling1D,
    MaxPooling2D,
    ReLU,
    Rescaling,
    Reshape,
    Softmax,
    SpatialDropout2D,
    ZeroPadding2D,
)
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
    # optimizers and learning-rate schedules
    "SGD", "Adadelta", "Adagrad", "Adamax", "AdamW", "CosineDecay", "ExponentialDecay", "LearningRateScheduleSpec",
    "Nadam", "PiecewiseConstantDecay",
    # the other layers a ported model may use
    "ELU", "AveragePooling1D", "AveragePooling2D", "BatchNormalization", "Conv1D", "Embedding", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "LayerNormalization", "LeakyReLU",
    "MaxPooling1D", "ReLU", "Rescaling", "Reshape", "Softmax", "SpatialDropout2D", "ZeroPadding2D",
    # losses
    "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "LossSpec", "MeanAbsoluteError", "MeanSquaredError",
    "SparseCategoricalCrossentropy",
]
