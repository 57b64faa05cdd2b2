"""Keras optimizers and learning-rate schedules as plain data: the class a recipe names and
every hyperparameter it sets.

Field names are the keys of Keras's ``get_config()`` and defaults are Keras's own
(``keras_compat.defaults``, read back from the live package by the tests), so ``Adam()`` here
means what ``optimizer="adam"`` means in ``compile()``. Every optimizer also carries the
options of Keras's base optimizer (``weight_decay``, ``clipnorm``, ``clipvalue``,
``global_clipnorm``), off by default as in Keras. ``learning_rate`` is a float or one of the
schedules below, evaluated by Keras at the optimizer's step count.

Keras options the port cannot honour (``use_ema``, ``loss_scale_factor``,
``gradient_accumulation_steps``) have no field here: ``keras_compat.optimizers`` refuses them
when it reads a Keras config.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.keras_compat import defaults

# ---- learning-rate schedules (keras.optimizers.schedules) ----


@dataclass(frozen=True)
class ExponentialDecay:
    """keras.optimizers.schedules.ExponentialDecay: lr * decay_rate ** (step / decay_steps)."""

    initial_learning_rate: float
    decay_steps: int
    decay_rate: float
    staircase: bool = defaults.EXPONENTIAL_DECAY_STAIRCASE_KERAS_DEFAULT
    name: str = defaults.EXPONENTIAL_DECAY_NAME_KERAS_DEFAULT


@dataclass(frozen=True)
class PiecewiseConstantDecay:
    """keras.optimizers.schedules.PiecewiseConstantDecay: values[i] while the step is within
    boundaries (values[0] up to and including boundaries[0])."""

    boundaries: tuple[int, ...]
    values: tuple[float, ...]
    name: str = defaults.PIECEWISE_CONSTANT_DECAY_NAME_KERAS_DEFAULT

    def __post_init__(self):
        # Keras configs hold lists; tuples keep the spec hashable and equal to its read-back.
        object.__setattr__(self, "boundaries", tuple(self.boundaries))
        object.__setattr__(self, "values", tuple(self.values))


@dataclass(frozen=True)
class CosineDecay:
    """keras.optimizers.schedules.CosineDecay: optional linear warmup, then a cosine decay to
    alpha * the starting rate over decay_steps."""

    initial_learning_rate: float
    decay_steps: int
    alpha: float = defaults.COSINE_DECAY_ALPHA_KERAS_DEFAULT
    name: str = defaults.COSINE_DECAY_NAME_KERAS_DEFAULT
    warmup_target: float | None = defaults.COSINE_DECAY_WARMUP_TARGET_KERAS_DEFAULT
    warmup_steps: int = defaults.COSINE_DECAY_WARMUP_STEPS_KERAS_DEFAULT


LearningRateScheduleSpec = ExponentialDecay | PiecewiseConstantDecay | CosineDecay

# ---- optimizers (keras.optimizers) ----


@dataclass(frozen=True)
class SGD:
    """keras.optimizers.SGD and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.SGD_LEARNING_RATE_KERAS_DEFAULT
    momentum: float = defaults.SGD_MOMENTUM_KERAS_DEFAULT
    nesterov: bool = defaults.SGD_NESTEROV_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "sgd"


@dataclass(frozen=True)
class Adam:
    """keras.optimizers.Adam and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.ADAM_LEARNING_RATE_KERAS_DEFAULT
    beta_1: float = defaults.ADAM_BETA_1_KERAS_DEFAULT
    beta_2: float = defaults.ADAM_BETA_2_KERAS_DEFAULT
    epsilon: float = defaults.ADAM_EPSILON_KERAS_DEFAULT
    amsgrad: bool = defaults.ADAM_AMSGRAD_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "adam"


@dataclass(frozen=True)
class AdamW:
    """keras.optimizers.AdamW: Adam with decoupled weight decay on by default."""

    learning_rate: float | LearningRateScheduleSpec = defaults.ADAMW_LEARNING_RATE_KERAS_DEFAULT
    weight_decay: float = defaults.ADAMW_WEIGHT_DECAY_KERAS_DEFAULT
    beta_1: float = defaults.ADAMW_BETA_1_KERAS_DEFAULT
    beta_2: float = defaults.ADAMW_BETA_2_KERAS_DEFAULT
    epsilon: float = defaults.ADAMW_EPSILON_KERAS_DEFAULT
    amsgrad: bool = defaults.ADAMW_AMSGRAD_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "adamw"


@dataclass(frozen=True)
class RMSprop:
    """keras.optimizers.RMSprop and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.RMSPROP_LEARNING_RATE_KERAS_DEFAULT
    rho: float = defaults.RMSPROP_RHO_KERAS_DEFAULT
    momentum: float = defaults.RMSPROP_MOMENTUM_KERAS_DEFAULT
    epsilon: float = defaults.RMSPROP_EPSILON_KERAS_DEFAULT
    centered: bool = defaults.RMSPROP_CENTERED_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "rmsprop"


@dataclass(frozen=True)
class Adagrad:
    """keras.optimizers.Adagrad and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.ADAGRAD_LEARNING_RATE_KERAS_DEFAULT
    initial_accumulator_value: float = defaults.ADAGRAD_INITIAL_ACCUMULATOR_VALUE_KERAS_DEFAULT
    epsilon: float = defaults.ADAGRAD_EPSILON_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "adagrad"


@dataclass(frozen=True)
class Adadelta:
    """keras.optimizers.Adadelta and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.ADADELTA_LEARNING_RATE_KERAS_DEFAULT
    rho: float = defaults.ADADELTA_RHO_KERAS_DEFAULT
    epsilon: float = defaults.ADADELTA_EPSILON_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "adadelta"


@dataclass(frozen=True)
class Adamax:
    """keras.optimizers.Adamax and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.ADAMAX_LEARNING_RATE_KERAS_DEFAULT
    beta_1: float = defaults.ADAMAX_BETA_1_KERAS_DEFAULT
    beta_2: float = defaults.ADAMAX_BETA_2_KERAS_DEFAULT
    epsilon: float = defaults.ADAMAX_EPSILON_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "adamax"


@dataclass(frozen=True)
class Nadam:
    """keras.optimizers.Nadam and its full set of hyperparameters."""

    learning_rate: float | LearningRateScheduleSpec = defaults.NADAM_LEARNING_RATE_KERAS_DEFAULT
    beta_1: float = defaults.NADAM_BETA_1_KERAS_DEFAULT
    beta_2: float = defaults.NADAM_BETA_2_KERAS_DEFAULT
    epsilon: float = defaults.NADAM_EPSILON_KERAS_DEFAULT
    weight_decay: float | None = defaults.OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT
    clipnorm: float | None = defaults.OPTIMIZER_CLIPNORM_KERAS_DEFAULT
    clipvalue: float | None = defaults.OPTIMIZER_CLIPVALUE_KERAS_DEFAULT
    global_clipnorm: float | None = defaults.OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT
    keras_name = "nadam"


OptimizerSpec = SGD | Adam | AdamW | RMSprop | Adagrad | Adadelta | Adamax | Nadam
