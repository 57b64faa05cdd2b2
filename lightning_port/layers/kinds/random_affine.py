"""``keras.layers.RandomRotation``, ``RandomZoom`` and ``RandomTranslation`` on (N, H, W, C), as
Keras 3.15 computes them on TensorFlow: per image, the uniform draws the layer makes, the
eight-number transform Keras builds from them, and TensorFlow's ``ImageProjectiveTransformV3``
kernel (``ops.projective_transform``: every ``fill_mode``, ``interpolation`` and ``fill_value``,
bit for bit). The identity at inference.

The transforms, as Keras builds them:

- rotation: an angle in degrees ~ U(360 lower, 360 upper), ``_compute_affine_matrix`` about
  the centre ``(0.5 (W - 1), 0.5 (H - 1))`` in the draw's dtype (the model's), degrees to
  radians by ``pi / 180`` in that dtype;
- zoom: a height factor ~ U(1 + lower, 1 + upper) (and a width factor, else the same one),
  cast to float32, ``x' = z x + (W - 1) / 2 (1 - z)`` (and alike for y) in float32;
- translation: fractions ~ U(lower, upper) of the height, then of the width, times the size
  in the draw's dtype, cast to float32, ``x' = x - t``.

One Keras quirk is not reproduced but worked around where Keras itself fails: a float64
RandomRotation cannot run in training in Keras 3.15 (its degree-to-radian constant is a
float32 tensor multiplied with float64 angles); the port computes it in float64, and the
parity measurements give Keras's float64 model that constant in float64 (``evidence.parity``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from lightning_port.layers.base import LayerKind, sized_image
from lightning_port.layers.randomness import RandomLayerModule, floating_dtype
from lightning_port.ops.projective_transform import FILL_MODES, INTERPOLATIONS, transform_images
from lightning_port.ops.windows import LayerShapeError


def symmetric_factor(value, bounds: tuple[float, float], name: str) -> tuple[float, float]:
    """Keras's ``_set_factor``: a number f is (max(-|f|, low), |f|), a pair is sorted; out of
    ``bounds`` is refused as Keras refuses it."""
    low, high = bounds
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or value[0] > high or value[1] < low:
            raise LayerShapeError(f"`{name}` must be a number or a pair in [{low}, {high}], got {value!r}")
        lower, upper = sorted(value)
        return float(lower), float(upper)
    if not low <= value <= high:
        raise LayerShapeError(f"`{name}` must be a number or a pair in [{low}, {high}], got {value!r}")
    value = abs(value)
    return float(max(-value, low)), float(value)


def _ranged_factor(value, name: str, open_low: bool) -> tuple[float, float]:
    """RandomZoom's and RandomTranslation's ``_set_factor``: every number in [-1, 1] ((-1, 1]
    for zoom); a number f is (-|f|, |f|)."""
    numbers = list(value) if isinstance(value, (tuple, list)) else [value]
    if isinstance(value, (tuple, list)) and len(value) != 2:
        raise LayerShapeError(f"`{name}` must be a number or a pair, got {value!r}")
    for number in numbers:
        if number > 1.0 or number < -1.0 or (open_low and number == -1.0):
            raise LayerShapeError(f"`{name}` must lie in {'(-1, 1]' if open_low else '[-1, 1]'}, got {value!r}")
    if isinstance(value, (tuple, list)):
        lower, upper = sorted(value)
        return float(lower), float(upper)
    return -abs(float(value)), abs(float(value))


def as_pair(value):
    return tuple(value) if isinstance(value, list) else value


class AffineAugmentation(RandomLayerModule):
    """Draws, the transform Keras builds from them, then TensorFlow's kernel."""

    def __init__(self, layer: LayerKind, input_shape):
        super().__init__()
        self.height, self.width = input_shape[0], input_shape[1]
        self.interpolation, self.fill_mode, self.fill_value = layer.interpolation, layer.fill_mode, float(layer.fill_value)

    def transforms(self, draws, dtype) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def apply(self, images, draws):
        return transform_images(images, self.transforms(draws, floating_dtype(images)), self.interpolation, self.fill_mode, self.fill_value)

    def extra_repr(self) -> str:
        return f"interpolation={self.interpolation}, fill_mode={self.fill_mode}, fill_value={self.fill_value}"


class Rotation(AffineAugmentation):
    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.lower, self.upper = layer.factor[0] * 360.0, layer.factor[1] * 360.0

    def draws(self, images):
        return [self.uniform((images.shape[0],), self.lower, self.upper, floating_dtype(images), images.device)]

    def transforms(self, draws, dtype):
        angle = draws[0] * torch.tensor(math.pi / 180.0, dtype=dtype, device=draws[0].device)
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        shear_x = shear_y = torch.tan(zeros * (math.pi / 180.0))
        center_x = 0.5 * (torch.tensor(self.width, dtype=dtype) - 1)
        center_y = 0.5 * (torch.tensor(self.height, dtype=dtype) - 1)
        cos, sin = torch.cos(angle), torch.sin(angle)
        a0 = ones * (cos + shear_x * sin)
        a1 = ones * (-sin + shear_x * cos)
        a2 = zeros + center_x - center_x * a0 - center_y * a1
        b0 = ones * (shear_y * cos + sin)
        b1 = ones * (shear_y * -sin + cos)
        b2 = zeros + center_y - center_x * b0 - center_y * b1
        return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)


class Zoom(AffineAugmentation):
    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.height_range = _ranged_factor(layer.height_factor, "height_factor", open_low=True)
        self.width_range = None if layer.width_factor is None else _ranged_factor(layer.width_factor, "width_factor", open_low=True)

    def draws(self, images):
        dtype, shape = floating_dtype(images), (images.shape[0], 1)
        draws = [self.uniform(shape, 1.0 + self.height_range[0], 1.0 + self.height_range[1], dtype, images.device)]
        if self.width_range is not None:
            draws.append(self.uniform(shape, 1.0 + self.width_range[0], 1.0 + self.width_range[1], dtype, images.device))
        return draws

    def transforms(self, draws, dtype):
        height_zoom = draws[0]
        width_zoom = draws[1] if len(draws) > 1 else height_zoom
        zooms = torch.cat([width_zoom, height_zoom], dim=1).to(torch.float32)
        x_offset = ((torch.tensor(self.width, dtype=torch.float32) - 1.0) / 2.0) * (1.0 - zooms[:, 0:1])
        y_offset = ((torch.tensor(self.height, dtype=torch.float32) - 1.0) / 2.0) * (1.0 - zooms[:, 1:])
        zeros = torch.zeros_like(x_offset)
        return torch.cat([zooms[:, 0:1], zeros, x_offset, zeros, zooms[:, 1:], y_offset, zeros, zeros], dim=1)


class Translation(AffineAugmentation):
    def __init__(self, layer, input_shape):
        super().__init__(layer, input_shape)
        self.height_range = _ranged_factor(layer.height_factor, "height_factor", open_low=False)
        self.width_range = _ranged_factor(layer.width_factor, "width_factor", open_low=False)

    def draws(self, images):
        dtype, shape = floating_dtype(images), (images.shape[0], 1)
        return [self.uniform(shape, *self.height_range, dtype, images.device), self.uniform(shape, *self.width_range, dtype, images.device)]

    def transforms(self, draws, dtype):
        translations = torch.cat([draws[1] * self.width, draws[0] * self.height], dim=1).to(torch.float32)
        zeros, ones = torch.zeros_like(translations[:, :1]), torch.ones_like(translations[:, :1])
        return torch.cat([ones, zeros, -translations[:, 0:1], zeros, ones, -translations[:, 1:], zeros, zeros], dim=1)


@dataclass(frozen=True)
class _AffineLayer(LayerKind):
    """The options the three layers share (Keras's defaults); not registered itself."""

    def output_shape(self, input_shape):
        sized_image(input_shape, self.keras_class)
        if self.fill_mode not in FILL_MODES:
            raise LayerShapeError(f"{self.keras_class}: fill_mode={self.fill_mode!r} is not one of {', '.join(FILL_MODES)}")
        if self.interpolation not in INTERPOLATIONS:
            raise LayerShapeError(f"{self.keras_class}: interpolation={self.interpolation!r} is not one of {', '.join(INTERPOLATIONS)}")
        self.check_factors()
        return tuple(input_shape)

    def check_factors(self) -> None:
        pass


def _option_cases(cls, shape, **arguments):
    """Each fill mode with each interpolation, and a non-zero fill value."""
    cases = []
    for fill_mode in FILL_MODES:
        for interpolation in INTERPOLATIONS:
            cases.append((f"fill_mode {fill_mode}, interpolation {interpolation}", shape, cls(**arguments, fill_mode=fill_mode, interpolation=interpolation)))
    cases.append(("fill_mode constant, fill_value 0.5", shape, cls(**arguments, fill_mode="constant", fill_value=0.5)))
    return cases


@dataclass(frozen=True)
class RandomRotation(_AffineLayer):
    factor: tuple[float, float]
    fill_mode: str = "reflect"
    interpolation: str = "bilinear"
    fill_value: float = 0.0
    keras_class: ClassVar[str] = "RandomRotation"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)
    example_arguments: ClassVar[dict] = {"factor": 0.1}

    def __post_init__(self):
        object.__setattr__(self, "factor", symmetric_factor(as_pair(self.factor), (-1.0, 1.0), "factor"))
        super().__post_init__()

    def build(self, input_shape, context):
        return Rotation(self, input_shape)

    @classmethod
    def conformance_cases(cls):
        return _option_cases(cls, (6, 7, 2), factor=0.25) + [("factor (-0.1, 0.3)", (6, 7, 2), cls((-0.1, 0.3)))]


@dataclass(frozen=True)
class RandomZoom(_AffineLayer):
    height_factor: float | tuple[float, float]
    width_factor: float | tuple[float, float] | None = None
    fill_mode: str = "reflect"
    interpolation: str = "bilinear"
    fill_value: float = 0.0
    keras_class: ClassVar[str] = "RandomZoom"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)
    example_arguments: ClassVar[dict] = {"height_factor": 0.1}

    def __post_init__(self):
        object.__setattr__(self, "height_factor", as_pair(self.height_factor))
        object.__setattr__(self, "width_factor", as_pair(self.width_factor))
        super().__post_init__()

    def check_factors(self):
        _ranged_factor(self.height_factor, "height_factor", open_low=True)
        if self.width_factor is not None:
            _ranged_factor(self.width_factor, "width_factor", open_low=True)

    def build(self, input_shape, context):
        return Zoom(self, input_shape)

    @classmethod
    def conformance_cases(cls):
        return _option_cases(cls, (6, 7, 2), height_factor=0.3) + [
            ("height_factor (-0.3, -0.1), width_factor (0.2, 0.5)", (6, 7, 2), cls((-0.3, -0.1), (0.2, 0.5))),
        ]


@dataclass(frozen=True)
class RandomTranslation(_AffineLayer):
    height_factor: float | tuple[float, float]
    width_factor: float | tuple[float, float]
    fill_mode: str = "reflect"
    interpolation: str = "bilinear"
    fill_value: float = 0.0
    keras_class: ClassVar[str] = "RandomTranslation"
    random_draws: ClassVar[bool] = True  # draws per training call (layers.randomness)
    example_arguments: ClassVar[dict] = {"height_factor": 0.1, "width_factor": 0.1}

    def __post_init__(self):
        object.__setattr__(self, "height_factor", as_pair(self.height_factor))
        object.__setattr__(self, "width_factor", as_pair(self.width_factor))
        super().__post_init__()

    def check_factors(self):
        _ranged_factor(self.height_factor, "height_factor", open_low=False)
        _ranged_factor(self.width_factor, "width_factor", open_low=False)

    def build(self, input_shape, context):
        return Translation(self, input_shape)

    @classmethod
    def conformance_cases(cls):
        return _option_cases(cls, (6, 7, 2), height_factor=0.3, width_factor=0.4) + [
            ("height_factor (-0.2, 0.0), width_factor (0.1, 0.5)", (6, 7, 2), cls((-0.2, 0.0), (0.1, 0.5))),
        ]
