"""``keras.layers.RandomContrast`` and ``RandomBrightness`` on (N, H, W, C), as Keras 3.15
computes them; the identity at inference.

- RandomContrast: per image a factor ~ U(1 - lower, 1 + upper), then ``(x - mean) * factor +
  mean`` with the mean over the height, then the width, of each channel, clipped to
  ``value_range``. Keras's factor rule is reproduced as it is, not as documented: a number f
  gives (lower, upper) = (0, f), so ``RandomContrast(0.2)`` draws factors in [1, 1.2] (only a
  pair reaches below 1), and that pair is what Keras saves.
- RandomBrightness: per image a delta ~ U(lower, upper) times the width of ``value_range``,
  added, then clipped to ``value_range`` (sorted, as Keras keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lightning_port.layers.base import LayerKind, sized_image
from lightning_port.layers.kinds.random_affine import as_pair, symmetric_factor
from lightning_port.layers.randomness import RandomLayerModule, floating_dtype


class Contrast(RandomLayerModule):
    def __init__(self, factor, value_range):
        super().__init__()
        self.low, self.high = 1.0 - factor[0], 1.0 + factor[1]
        self.value_range = value_range

    def draws(self, images):
        return [self.uniform((images.shape[0], 1, 1, 1), self.low, self.high, floating_dtype(images), images.device)]

    def apply(self, images, draws):
        mean = images.mean(dim=1, keepdim=True).mean(dim=2, keepdim=True)
        return ((images - mean) * draws[0] + mean).clamp(*self.value_range)

    def extra_repr(self) -> str:
        return f"factor in [{self.low}, {self.high}), value_range={self.value_range}"


class Brightness(RandomLayerModule):
    def __init__(self, factor, value_range):
        super().__init__()
        self.factor, self.value_range = factor, value_range

    def draws(self, images):
        return [self.uniform((images.shape[0], 1, 1, 1), *self.factor, floating_dtype(images), images.device)]

    def apply(self, images, draws):
        delta = (draws[0] * (self.value_range[1] - self.value_range[0])).to(images.dtype)
        return (images + delta).clamp(*self.value_range)

    def extra_repr(self) -> str:
        return f"factor={self.factor}, value_range={self.value_range}"


def _value_range(value) -> tuple:
    return tuple(value)


@dataclass(frozen=True)
class RandomContrast(LayerKind):
    factor: tuple[float, float]
    value_range: tuple[float, float] = (0, 255)
    keras_class: ClassVar[str] = "RandomContrast"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)
    example_arguments: ClassVar[dict] = {"factor": 0.2}

    def __post_init__(self):
        object.__setattr__(self, "factor", symmetric_factor(as_pair(self.factor), (0.0, 1.0), "factor"))
        object.__setattr__(self, "value_range", _value_range(self.value_range))
        super().__post_init__()

    def output_shape(self, input_shape):
        sized_image(input_shape, "RandomContrast")
        return tuple(input_shape)

    def build(self, input_shape, context):
        return Contrast(self.factor, self.value_range)

    @classmethod
    def conformance_cases(cls):
        return [
            ("factor 0.5 (Keras: factors in [1, 1.5]), value_range (0, 255)", (5, 4, 3), cls(0.5)),
            ("factor (0.4, 0.3) (sorted: factors in [0.7, 1.4]), value_range (-1, 1)", (5, 4, 3), cls((0.4, 0.3), value_range=(-1, 1))),
        ]


@dataclass(frozen=True)
class RandomBrightness(LayerKind):
    factor: tuple[float, float]
    value_range: tuple[float, float] = (0, 255)
    keras_class: ClassVar[str] = "RandomBrightness"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)
    example_arguments: ClassVar[dict] = {"factor": 0.2}

    def __post_init__(self):
        object.__setattr__(self, "factor", symmetric_factor(as_pair(self.factor), (-1.0, 1.0), "factor"))
        object.__setattr__(self, "value_range", tuple(sorted(self.value_range)))
        super().__post_init__()

    def output_shape(self, input_shape):
        sized_image(input_shape, "RandomBrightness")
        return tuple(input_shape)

    def build(self, input_shape, context):
        return Brightness(self.factor, self.value_range)

    @classmethod
    def conformance_cases(cls):
        return [
            ("factor 0.3, value_range (0, 255)", (5, 4, 3), cls(0.3)),
            ("factor (-0.2, 0.5), value_range (0, 1)", (5, 4, 3), cls((-0.2, 0.5), value_range=(0, 1))),
            ("factor 0.4, value_range (-1, 1)", (5, 4, 3), cls(0.4, value_range=(-1, 1))),
        ]
