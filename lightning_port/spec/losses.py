"""Keras losses as plain data: the class a recipe compiles with and its options.

A recipe may also name a loss the way ``compile(loss="...")`` does; ``resolve_loss`` turns
the name into the spec with Keras's defaults. Every loss reduces as Keras's default
"sum_over_batch_size": the mean over the batch of each sample's loss (itself the mean over
the last axis for the regression losses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class CategoricalCrossentropy:
    from_logits: bool = False
    keras_name: ClassVar[str] = "categorical_crossentropy"


@dataclass(frozen=True)
class SparseCategoricalCrossentropy:
    from_logits: bool = False
    keras_name: ClassVar[str] = "sparse_categorical_crossentropy"


@dataclass(frozen=True)
class BinaryCrossentropy:
    from_logits: bool = False
    keras_name: ClassVar[str] = "binary_crossentropy"


@dataclass(frozen=True)
class MeanSquaredError:
    keras_name: ClassVar[str] = "mean_squared_error"


@dataclass(frozen=True)
class MeanAbsoluteError:
    keras_name: ClassVar[str] = "mean_absolute_error"


@dataclass(frozen=True)
class Huber:
    delta: float = 1.0
    keras_name: ClassVar[str] = "huber"


LossSpec = CategoricalCrossentropy | SparseCategoricalCrossentropy | BinaryCrossentropy | MeanSquaredError | MeanAbsoluteError | Huber
LOSS_CLASSES = (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError, Huber)
# compile(loss=...) names Keras accepts for them (keras.losses.get).
LOSS_NAMES: dict[str, type] = {
    **{cls.keras_name: cls for cls in LOSS_CLASSES},
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "huber_loss": Huber,
}


def resolve_loss(loss: str | LossSpec) -> LossSpec:
    """The spec for a loss given by name (Keras's defaults) or as a spec already."""
    if isinstance(loss, LOSS_CLASSES):
        return loss
    try:
        return LOSS_NAMES[loss]()
    except (KeyError, TypeError):
        raise ValueError(f"unsupported loss {loss!r}; supported: {', '.join(sorted(LOSS_NAMES))}") from None


def is_classification(loss: LossSpec) -> bool:
    return isinstance(loss, (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy))
