"""Keras optimizers as plain data: the class a recipe names and every hyperparameter it sets.

Defaults are Keras's own (``keras_compat.defaults``, read back from the live package by the
parity tests), so ``Adam()`` here means what ``optimizer="adam"`` means in ``compile()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.keras_compat import defaults


@dataclass(frozen=True)
class Adam:
    """keras.optimizers.Adam and its full set of hyperparameters."""

    learning_rate: float = defaults.ADAM_LEARNING_RATE_KERAS_DEFAULT
    beta_1: float = defaults.ADAM_BETA_1_KERAS_DEFAULT
    beta_2: float = defaults.ADAM_BETA_2_KERAS_DEFAULT
    epsilon: float = defaults.ADAM_EPSILON_KERAS_DEFAULT
    amsgrad: bool = False
    keras_name = "adam"


@dataclass(frozen=True)
class RMSprop:
    """keras.optimizers.RMSprop and its full set of hyperparameters."""

    learning_rate: float = defaults.RMSPROP_LEARNING_RATE_KERAS_DEFAULT
    rho: float = defaults.RMSPROP_RHO_KERAS_DEFAULT
    momentum: float = defaults.RMSPROP_MOMENTUM_KERAS_DEFAULT
    epsilon: float = defaults.RMSPROP_EPSILON_KERAS_DEFAULT
    centered: bool = False
    keras_name = "rmsprop"


OptimizerSpec = Adam | RMSprop
