"""``keras.layers.Normalization``: ``(x - mean) / max(sqrt(variance), epsilon)`` (``invert``:
``mean + x * max(sqrt(variance), epsilon)``), Keras's epsilon rule with ``keras.config.
epsilon()`` = 1e-7 in the model's dtype, one mean and variance per index of the kept ``axis``
(Keras's axes count the batch axis; ``None`` keeps none: one scalar pair for everything).

An adapted layer (``layer.adapt(data)``) keeps its statistics as non-trainable weights,
``mean``, ``variance`` and an int64 ``count``, in that order: they are weight rows here, carried
exactly, and never trained. A layer given ``mean=`` and ``variance=`` has no weights: the values
are data in its config, and Keras converts them to float32 before casting to the model's dtype
(in a float64 model too), so the port keeps them as float32 values alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.layers.translation import COPY
from lightning_port.ops.windows import LayerShapeError

KERAS_EPSILON = 1e-7  # keras.config.epsilon()


def kept_axes(axis: tuple[int, ...], rank: int) -> tuple[int, ...]:
    """Keras's ``_keep_axis``: the axes (batch axis 0 included in ``rank``) with their own statistics."""
    if any(item < -rank or item >= rank for item in axis):
        raise LayerShapeError(f"Normalization: axis {axis} is out of range for inputs of rank {rank} (the batch axis included)")
    kept = tuple(sorted(item if item >= 0 else item + rank for item in axis))
    if 0 in kept:
        raise LayerShapeError(f"Normalization: axis {axis} keeps the batch axis, whose size is not fixed")
    return kept


class FeatureNormalization(nn.Module):
    def __init__(self, input_shape, layer: Normalization):
        super().__init__()
        rank = len(input_shape) + 1
        self.kept = kept_axes(layer.axis, rank)
        self.statistics_shape = tuple(input_shape[axis - 1] for axis in self.kept)
        self.broadcast_shape = tuple(input_shape[axis - 1] if axis in self.kept else 1 for axis in range(1, rank))
        self.invert = layer.invert
        self.adapted = layer.mean is None
        if self.adapted:
            self.register_buffer("mean", torch.zeros(self.statistics_shape))
            self.register_buffer("variance", torch.ones(self.statistics_shape))
            self.register_buffer("count", torch.zeros((), dtype=torch.int64))
        else:
            # Plain attributes, not buffers: they are config data, not Keras weights.
            self.given = tuple(self._given(values) for values in (layer.mean, layer.variance))

    def _given(self, values) -> torch.Tensor:
        """Keras's ``build`` for given values: float32, broadcast to the kept axes from the right."""
        array = np.asarray(values, dtype=np.float32)
        expanded = [1] * (len(self.broadcast_shape) + 1)
        for position in range(1, array.ndim + 1):
            expanded[self.kept[-position]] = array.shape[-position]
        return torch.from_numpy(np.array(np.broadcast_to(array.reshape(expanded) if array.ndim else array, (1, *self.broadcast_shape))))

    def forward(self, inputs):
        if self.adapted:
            mean = self.mean.reshape(1, *self.broadcast_shape).to(inputs.dtype)
            variance = self.variance.reshape(1, *self.broadcast_shape).to(inputs.dtype)
        else:
            mean, variance = (value.to(device=inputs.device, dtype=inputs.dtype) for value in self.given)
        scale = torch.maximum(torch.sqrt(variance), torch.tensor(KERAS_EPSILON, dtype=inputs.dtype, device=inputs.device))
        return mean + inputs * scale if self.invert else (inputs - mean) / scale

    def extra_repr(self) -> str:
        return f"kept axes={self.kept}, {'adapted' if self.adapted else 'given'} statistics, invert={self.invert}"


def _axis(value) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, int):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class Normalization(LayerKind):
    axis: int | tuple[int, ...] | None = (-1,)  # Keras stores its default -1 as (-1,)
    mean: float | tuple | None = None
    variance: float | tuple | None = None
    invert: bool = False
    keras_class: ClassVar[str] = "Normalization"

    def __post_init__(self):
        object.__setattr__(self, "axis", _axis(self.axis))
        super().__post_init__()

    def output_shape(self, input_shape):
        kept = kept_axes(self.axis, len(input_shape) + 1)
        if any(input_shape[axis - 1] is None for axis in kept):
            raise LayerShapeError(f"Normalization: axis {self.axis} keeps an axis of unknown length {tuple(input_shape)}, whose statistics need its size; give keras.Input that axis's size")
        if (self.mean is None) != (self.variance is None):
            raise LayerShapeError("Normalization: give both mean and variance, or neither (adapt)")
        if self.mean is not None and np.shape(self.mean) != np.shape(self.variance):
            raise LayerShapeError(f"Normalization: mean shape {np.shape(self.mean)} differs from variance shape {np.shape(self.variance)}")
        return tuple(input_shape)

    def parameter_count(self, input_shape):
        if self.mean is not None:
            return 0
        kept = kept_axes(self.axis, len(input_shape) + 1)
        return 2 * math.prod(input_shape[axis - 1] for axis in kept) + 1  # and the count, a scalar

    def build(self, input_shape, context):
        return FeatureNormalization(input_shape, self)

    def weights(self):
        if self.mean is not None:
            return ()
        return (WeightRow("mean", "mean", COPY, False), WeightRow("variance", "variance", COPY, False), WeightRow("count", "count", COPY, False))

    def adapted_state(self, shapes, generator: np.random.Generator) -> list[np.ndarray]:
        """Statistics as ``adapt()`` leaves them, for a layer built fresh in Keras (conformance,
        random models): means of either sign, variances of various sizes, one below epsilon squared
        (the epsilon rule's branch), and a count."""
        mean_shape, variance_shape, _ = shapes
        mean = generator.normal(0.0, 2.0, mean_shape).astype(np.float32)
        variance = generator.uniform(0.05, 4.0, variance_shape).astype(np.float32)
        if variance.size:
            variance.reshape(-1)[0] = 1e-16
        return [mean, variance, np.array(1000, dtype=np.int64)]

    @classmethod
    def conformance_cases(cls):
        return [
            ("adapted, axis -1", (5,), cls()),
            ("adapted, axis -1, invert", (5,), cls(invert=True)),
            ("adapted, axis None (one mean and variance)", (3, 4), cls(axis=None)),
            ("adapted, axis (1, 2) of images", (3, 4, 2), cls(axis=(1, 2))),
            ("adapted, axis -1 of images", (3, 4, 2), cls()),
            ("given mean and variance per feature", (4,), cls(mean=(0.5, -1.0, 2.0, 0.0), variance=(4.0, 0.25, 1e-16, 1.0))),
            ("given scalar mean and variance, invert", (4,), cls(mean=3.0, variance=2.0, invert=True)),
            ("given per channel of images", (3, 4, 2), cls(mean=(0.1, -0.2), variance=(0.5, 3.0))),
        ]
