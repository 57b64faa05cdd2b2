"""``keras.layers.RandomFlip(mode)`` on (N, H, W, C), as Keras 3.15 computes it: in training one
uniform draw per image, flipped where it is <= 0.5; "horizontal" reverses the width axis,
"vertical" the height axis, and "horizontal_and_vertical" both *with the same draw* (an image
is flipped both ways or not at all: Keras's rule, reproduced). The identity at inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from lightning_port.layers.base import LayerKind, sized_image
from lightning_port.layers.randomness import RandomLayerModule, floating_dtype
from lightning_port.ops.windows import LayerShapeError

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class Flip(RandomLayerModule):
    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode

    def draws(self, images):
        return [self.uniform((images.shape[0], 1, 1, 1), 0.0, 1.0, floating_dtype(images), images.device)]

    def apply(self, images, draws):
        flips = draws[0] <= 0.5
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = torch.where(flips, images.flip(2), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = torch.where(flips, images.flip(1), images)
        return images

    def extra_repr(self) -> str:
        return f"mode={self.mode}"


@dataclass(frozen=True)
class RandomFlip(LayerKind):
    mode: str = "horizontal_and_vertical"
    keras_class: ClassVar[str] = "RandomFlip"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)

    def output_shape(self, input_shape):
        sized_image(input_shape, "RandomFlip")
        if self.mode not in MODES:
            raise LayerShapeError(f"RandomFlip: mode={self.mode!r} is not one of {', '.join(MODES)}")
        return tuple(input_shape)

    def build(self, input_shape, context):
        return Flip(self.mode)

    @classmethod
    def conformance_cases(cls):
        return [(f"mode {mode}", (5, 4, 2), cls(mode)) for mode in MODES]
