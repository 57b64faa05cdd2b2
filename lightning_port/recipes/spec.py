"""The shape of a tutorial recipe: everything the tutorial fixes, as data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lightning_port import keras_defaults
from lightning_port.models.layers import LayerSpec, output_activation, summarize

# Seed used when a tutorial names none, so that every run is reproducible by default.
DEFAULT_SEED = 0
# Seed of the fixed validation/hold-out splits. Independent of the training seed, so runs
# with different training seeds are scored on the same images.
SPLIT_SEED = 0


@dataclass(frozen=True)
class Preprocessing:
    """``x -> (x.astype(arithmetic_dtype) / divisor + offset).astype(float32)``, then reshape.

    ``arithmetic_dtype`` matters for bit-exact parity: ``x / 255`` on a uint8 array computes
    in float64 (Keras later casts to float32), ``x.astype('float32') / 255`` in float32; the
    two round differently in the last bit.
    """

    divisor: float | None = None
    offset: float = 0.0
    arithmetic_dtype: str = "float32"
    flatten: bool = False

    def apply(self, images: np.ndarray) -> np.ndarray:
        values = images.astype(self.arithmetic_dtype)
        if self.divisor is not None:
            values = values / values.dtype.type(self.divisor)
        if self.offset:
            values = values + values.dtype.type(self.offset)
        values = values.astype(np.float32)
        if self.flatten:
            values = values.reshape(len(values), -1)
        return values


@dataclass(frozen=True)
class Adam:
    """keras.optimizers.Adam and its full set of hyperparameters."""

    learning_rate: float = keras_defaults.ADAM_LEARNING_RATE_KERAS_DEFAULT
    beta_1: float = keras_defaults.ADAM_BETA_1_KERAS_DEFAULT
    beta_2: float = keras_defaults.ADAM_BETA_2_KERAS_DEFAULT
    epsilon: float = keras_defaults.ADAM_EPSILON_KERAS_DEFAULT
    amsgrad: bool = False
    keras_name = "adam"


@dataclass(frozen=True)
class RMSprop:
    """keras.optimizers.RMSprop and its full set of hyperparameters."""

    learning_rate: float = keras_defaults.RMSPROP_LEARNING_RATE_KERAS_DEFAULT
    rho: float = keras_defaults.RMSPROP_RHO_KERAS_DEFAULT
    momentum: float = keras_defaults.RMSPROP_MOMENTUM_KERAS_DEFAULT
    epsilon: float = keras_defaults.RMSPROP_EPSILON_KERAS_DEFAULT
    centered: bool = False
    keras_name = "rmsprop"


OptimizerSpec = Adam | RMSprop


@dataclass(frozen=True)
class Augmentation:
    """The ``ImageDataGenerator`` arguments a recipe trains with."""

    rotation_range: float = 0.0  # degrees, drawn uniformly in [-range, range] per image
    width_shift_range: float = 0.0  # fraction of the width, continuous
    height_shift_range: float = 0.0  # fraction of the height, continuous
    horizontal_flip: bool = False
    fill_mode: str = keras_defaults.AUGMENTATION_FILL_MODE_KERAS_DEFAULT


@dataclass(frozen=True)
class ReportedResult:
    """What the tutorial's article printed. Fractions, not percentages."""

    test_accuracy: float | None = None
    test_loss: float | None = None
    train_accuracy: float | None = None
    predictions: tuple[int, ...] | None = None
    note: str = ""


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    source: str
    dataset: str  # "mnist" | "cifar10" | "pima"
    input_shape: tuple[int, ...]  # Keras convention: channels last, no batch dimension
    preprocessing: Preprocessing
    layers: tuple[LayerSpec, ...]
    optimizer: OptimizerSpec
    loss: str  # "categorical_crossentropy" | "binary_crossentropy"
    epochs: int
    batch_size: int
    parameter_count: int  # as stated by the tutorial/spec; tests hold both models to it
    reported: ReportedResult
    # Accuracy the full-length run must reach: the tutorial's figure less a noise margin.
    accuracy_target: float
    seed: int | None = None  # the tutorial's own seed, when it sets one
    validation_count: int = 0  # images held out of the training set for per-epoch validation
    augmentation: Augmentation | None = None
    # "test": the data set's test split; "train": the training data itself (Pima tutorial).
    evaluate_on: str = "test"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def default_seed(self) -> int:
        return DEFAULT_SEED if self.seed is None else self.seed

    @property
    def output_activation(self) -> str:
        return output_activation(self.layers)

    @property
    def num_classes(self) -> int:
        output_units = self.summary()[-1].output_shape[0]
        return output_units if self.loss == "categorical_crossentropy" else 2

    def summary(self):
        return summarize(self.layers, self.input_shape)
