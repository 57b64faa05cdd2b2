"""``keras.layers.RandomCrop(height, width)`` on (N, H, W, C), as Keras 3.15 computes it.

In training, when the input is larger than the crop on both axes: two uniform draws per call,
``U(0, H - height + 1)`` then ``U(0, W - width + 1)``, truncated to integers: *one* crop
offset for the whole batch (Keras's rule, reproduced), the window sliced out. Otherwise Keras
takes the window of the target's aspect ratio at the centre, slices ``height`` x ``width``
from its start, and resizes what it got to ``height`` x ``width`` (TensorFlow's bilinear
resize). At inference Keras 3.15 returns its input unchanged, uncropped (its documentation
says it crops at the centre; its code does not): reproduced, so a model that reads the crop's
shape afterwards (a Flatten) runs in training only, in Keras as in the port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from lightning_port.layers.base import LayerKind, sized_image
from lightning_port.layers.kinds.image_resize import TensorFlowResize
from lightning_port.layers.randomness import RandomLayerModule, floating_dtype
from lightning_port.ops.windows import LayerShapeError


class Crop(RandomLayerModule):
    def __init__(self, input_shape, height: int, width: int):
        super().__init__()
        self.input_height, self.input_width = input_shape[0], input_shape[1]
        self.height, self.width = height, width
        self.random = self.input_height > height and self.input_width > width
        self.resize = None
        if not self.random:
            crop_height = max(min(self.input_height, int(float(self.input_width * height) / width)), 1)
            crop_width = max(min(self.input_width, int(float(self.input_height * width) / height)), 1)
            self.start = (int(float(self.input_height - crop_height) / 2), int(float(self.input_width - crop_width) / 2))
            got = (min(height, self.input_height - self.start[0]), min(width, self.input_width - self.start[1]))
            if got != (height, width):
                self.resize = TensorFlowResize((*got, input_shape[2]), None, "bilinear", output_size=(height, width))

    def draws(self, images):
        if not self.random:
            return []
        dtype = floating_dtype(images)
        return [
            self.uniform((), 0.0, float(self.input_height - self.height + 1), dtype, images.device),
            self.uniform((), 0.0, float(self.input_width - self.width + 1), dtype, images.device),
        ]

    def apply(self, images, draws):
        if self.random:
            top, left = (int(draw.to(torch.int32)) for draw in draws)
        else:
            top, left = self.start
        cropped = images[:, top : top + self.height, left : left + self.width, :]
        return cropped if self.resize is None else self.resize(cropped).to(images.dtype)

    def extra_repr(self) -> str:
        return f"height={self.height}, width={self.width}, one offset per batch"


@dataclass(frozen=True)
class RandomCrop(LayerKind):
    height: int
    width: int
    keras_class: ClassVar[str] = "RandomCrop"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)
    example_arguments: ClassVar[dict] = {"height": 4, "width": 4}

    def output_shape(self, input_shape):
        sized_image(input_shape, "RandomCrop")
        if self.height < 1 or self.width < 1:
            raise LayerShapeError(f"RandomCrop: height and width must be positive, got {self.height} x {self.width}")
        return (self.height, self.width, input_shape[2])

    def build(self, input_shape, context):
        return Crop(input_shape, self.height, self.width)

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.graph import Input
        from lightning_port.layers.kinds.model import Model
        from lightning_port.layers.registry import kind_classes

        # A crop changes the shape in training only (the identity at inference): read by a
        # global pooling, so the same head takes both shapes (in Keras too).
        kinds = kind_classes()
        cases = []
        for label, shape, layer in (
            ("4 x 5 of 7 x 8", (7, 8, 2), cls(4, 5)),
            ("3 x 8 of 7 x 8 (not larger on both axes: centre window, resized)", (7, 8, 2), cls(3, 8)),
            ("2 x 6 of 4 x 4 (centre window, resized)", (4, 4, 2), cls(2, 6)),
        ):
            inputs = Input(shape)
            pooled = kinds["GlobalAveragePooling2D"]()(kinds["Conv2D"](3, (2, 2), padding="same")(layer(inputs)))
            cases.append((label, (), Model(inputs, kinds["Dense"](3)(pooled))))
        return cases
