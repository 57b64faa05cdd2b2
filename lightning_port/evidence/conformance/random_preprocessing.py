"""Seeded random models that start with a preprocessing or augmentation block, for the parity
suite: images through a nested ``data_augmentation`` Sequential (or resizing and cropping
layers) into a small convolution stack; feature vectors through an adapted Normalization, a
Discretization, a CategoryEncoding or an IntegerLookup into a Dense head.

A family of its own beside ``random_models`` (whose seeds stay the models they were): each
model is built in live Keras, saved as ``.keras``, read back by the port's reader and measured
like a ported model, the training-mode forward pass with the same augmentation draws in both
frameworks included (``evidence.parity.measure``).
"""

from __future__ import annotations

import random

from lightning_port import spec as L
from lightning_port.evidence.conformance.optimizers import OPTIMIZER_CONFORMANCE_CASES
from lightning_port.evidence.conformance.random_models import RandomModel, _head, _image_layer, _stack_output
from lightning_port.ops.projective_transform import FILL_MODES, INTERPOLATIONS
from lightning_port.ops.windows import LayerShapeError


def _augmentation_layer(rng: random.Random) -> L.LayerKind:
    choice = rng.choice(("flip", "rotation", "zoom", "translation", "contrast", "brightness"))
    options = {"fill_mode": rng.choice(FILL_MODES), "interpolation": rng.choice(INTERPOLATIONS), "fill_value": rng.choice((0.0, 0.5))}
    if choice == "flip":
        return L.RandomFlip(rng.choice(("horizontal", "vertical", "horizontal_and_vertical")))
    if choice == "rotation":
        return L.RandomRotation(rng.choice((0.05, 0.2, (-0.1, 0.3))), **options)
    if choice == "zoom":
        return L.RandomZoom(rng.choice((0.1, 0.3, (-0.2, 0.1))), rng.choice((None, 0.2)), **options)
    if choice == "translation":
        return L.RandomTranslation(rng.choice((0.1, 0.25)), rng.choice((0.1, (-0.2, 0.0))), **options)
    if choice == "contrast":
        return L.RandomContrast(rng.choice((0.2, (0.3, 0.3))), value_range=(-3, 3))
    return L.RandomBrightness(rng.choice((0.1, (-0.2, 0.3))), value_range=(-3, 3))


def _image_preprocessing(rng: random.Random, shape) -> tuple[L.LayerKind, ...]:
    height, width, _ = shape
    choice = rng.choice(("augmentation", "augmentation", "resizing", "center_crop", "random_crop"))
    if choice == "augmentation":
        block = tuple(_augmentation_layer(rng) for _ in range(rng.randint(1, 3)))
        return (L.Sequential(layers=block, name="data_augmentation"),) if rng.random() < 0.7 else block
    if choice == "resizing":
        interpolation = rng.choice(("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5"))
        aspect = rng.choice(({}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True}))
        return (L.Resizing(rng.randint(4, 10), rng.randint(4, 10), interpolation, antialias=rng.random() < 0.3, **aspect),)
    if choice == "center_crop":
        return (L.CenterCrop(rng.randint(3, height + 1), rng.randint(3, width + 1)),)
    return (L.RandomCrop(rng.randint(3, height - 1), rng.randint(3, width - 1)),)


def _vector_preprocessing(rng: random.Random, width: int) -> tuple[tuple[L.LayerKind, ...], str]:
    """(layers, what the inputs are): "features" (normal values) or "tokens" (integers)."""
    choice = rng.choice(("normalization", "normalization", "discretization", "category_encoding", "integer_lookup"))
    if choice == "normalization":
        return (L.Normalization(axis=rng.choice((-1, None)), invert=rng.random() < 0.2),), "features"
    if choice == "discretization":
        boundaries = tuple(sorted(round(rng.uniform(-2, 2), 2) for _ in range(rng.randint(2, 5))))
        return (L.Discretization(tuple(dict.fromkeys(boundaries)), output_mode=rng.choice(("multi_hot", "count"))),), "features"
    if choice == "category_encoding":
        return (L.CategoryEncoding(rng.randint(width, 12), rng.choice(("multi_hot", "count"))),), "tokens"
    vocabulary = tuple(rng.sample(range(1, 30), rng.randint(3, 8)))
    mode = rng.choice(("one_hot", "multi_hot", "count"))
    layers: tuple = (L.IntegerLookup(vocabulary=vocabulary, output_mode=mode, num_oov_indices=rng.choice((1, 2))),)
    return layers + ((L.Flatten(),) if mode == "one_hot" else ()), "tokens"


def random_preprocessing_model(seed: int) -> RandomModel:
    rng = random.Random(seed)
    for _ in range(50):
        image = rng.random() < 0.65
        try:
            if image:
                shape = (rng.randint(6, 9), rng.randint(6, 9), rng.randint(1, 3))
                layers = list(_image_preprocessing(rng, shape))
                crops = any(isinstance(layer, L.RandomCrop) for layer in layers)
                current = _stack_output(layers, shape)
                for _ in range(rng.randint(1, 2)):
                    layer = _image_layer(rng, current)
                    if isinstance(layer, (L.LayerNormalization, L.BatchNormalization, L.SpatialDropout2D)):
                        continue  # batch statistics or dropout masks: the draws are what is measured here
                    current = _stack_output([layer], current)
                    if min(current[:-1]) < 1:
                        raise LayerShapeError("an empty axis")
                    layers.append(layer)
                # A RandomCrop changes the shape in training only: a global pooling reads both.
                layers.append(L.GlobalAveragePooling2D() if crops or rng.random() < 0.4 else L.Flatten())
            else:
                shape = (rng.randint(3, 6),)
                preprocessing, _ = _vector_preprocessing(rng, shape[0])
                layers = list(preprocessing)
                if rng.random() < 0.6:
                    layers.append(L.Dense(rng.randint(3, 8), activation=rng.choice(("relu", "tanh", None))))
            head, loss = _head(rng)
            layers += head
            _stack_output(layers, shape)
        except LayerShapeError:
            continue
        optimizer = rng.choice(OPTIMIZER_CONFORMANCE_CASES)[1]
        return RandomModel(seed, tuple(shape), tuple(layers), optimizer, loss)
    raise RuntimeError(f"no valid random preprocessing model for seed {seed}")


__all__ = ["random_preprocessing_model"]
