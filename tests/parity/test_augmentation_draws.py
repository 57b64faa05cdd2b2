"""The port's random augmentation layers draw their parameters from Keras's distributions.

Keras's draws come from its own seed generator (no other framework reproduces them), so the
port's are held to the distributions statistically, per parameter: the port's draws against
the distribution Keras's code draws from (a one-sample Kolmogorov-Smirnov test against the
uniform law of the layer's range), and against Keras's own draws from the live layer
(``get_random_transformation``: a two-sample KS test; a chi-square test for the crop offsets,
which are integers, and for the flip decisions). Every p-value is printed in the parity table;
each test rejects at p < LEVEL. The draws are seeded on both sides, so the p-values are fixed
numbers, not a coin toss per run.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from lightning_port.spec import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)

pytestmark = pytest.mark.parity
LEVEL = 0.001
SAMPLES = 20_000  # images per per-image parameter
CROP_CALLS = 2_000  # RandomCrop draws one offset per batch: one call per draw
SHAPE = (4, 5, 1)


def _port_draws(layer, count: int, seed: int = 0) -> list[np.ndarray]:
    module = layer.build(SHAPE, None)
    module.generator = torch.Generator().manual_seed(seed)
    return [draw.numpy() for draw in module.draws(torch.empty((count, *SHAPE)))]


def _keras_transformation(keras, layer, count: int, seed: int = 0):
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    keras_layer = getattr(keras.layers, layer.keras_class)(**layer.keras_arguments())
    return keras_layer.get_random_transformation(tf.zeros((count, *SHAPE)), training=True)


# (label, layer, per parameter: (name, the port draw's index, Keras's value from its transformation, the documented range))
CONTINUOUS = [
    ("RandomRotation(0.2)", RandomRotation(0.2), [("angle (degrees)", 0, lambda t: t["angle"], (-72.0, 72.0))]),
    ("RandomRotation((-0.1, 0.3))", RandomRotation((-0.1, 0.3)), [("angle (degrees)", 0, lambda t: t["angle"], (-36.0, 108.0))]),
    ("RandomZoom(0.3, (0.1, 0.5))", RandomZoom(0.3, (0.1, 0.5)), [
        ("height zoom", 0, lambda t: t["height_zoom"], (0.7, 1.3)),
        ("width zoom", 1, lambda t: t["width_zoom"], (1.1, 1.5)),
    ]),
    ("RandomTranslation(0.2, (-0.1, 0.3))", RandomTranslation(0.2, (-0.1, 0.3)), [
        ("height fraction", 0, lambda t: t["translations"][:, 1] / SHAPE[0], (-0.2, 0.2)),
        ("width fraction", 1, lambda t: t["translations"][:, 0] / SHAPE[1], (-0.1, 0.3)),
    ]),
    ("RandomContrast(0.4) (Keras: [1, 1.4])", RandomContrast(0.4), [("contrast factor", 0, lambda t: t["contrast_factor"], (1.0, 1.4))]),
    ("RandomContrast((0.3, 0.2))", RandomContrast((0.3, 0.2)), [("contrast factor", 0, lambda t: t["contrast_factor"], (0.8, 1.3))]),
    # The port draws the fraction; Keras's rgb_delta is it times the range's width (here 1).
    ("RandomBrightness(0.25, value_range=(0, 1))", RandomBrightness(0.25, value_range=(0, 1)), [("brightness delta", 0, lambda t: t["rgb_delta"], (-0.25, 0.25))]),
]


def _record(parity, check, p_value, detail):
    entry = parity.record(check, "augmentation draws", p_value, LEVEL, comparison=">=", detail=detail)
    assert entry.passed, entry.line()


@pytest.mark.parametrize("seed,label,layer,parameters", [(seed, *case) for seed, case in enumerate(CONTINUOUS)], ids=[case[0] for case in CONTINUOUS])
def test_continuous_draws_follow_keras(seed, label, layer, parameters, keras_tensorflow, parity):
    # A seed per case on each side: the cases' draws are then not one stream rescaled.
    port = _port_draws(layer, SAMPLES, seed=100 + seed)
    transformation = _keras_transformation(keras_tensorflow, layer, SAMPLES, seed=200 + seed)
    for name, index, keras_value, (low, high) in parameters:
        ours = port[index].reshape(-1)
        theirs = np.asarray(keras_value(transformation), dtype=np.float64).reshape(-1)
        assert ours.min() >= low and ours.max() < high + 1e-6, f"{label} {name}: draws outside [{low}, {high})"
        assert len(np.unique(ours)) > 0.99 * SAMPLES  # continuous, one per image
        uniform = stats.kstest(ours, "uniform", args=(low, high - low)).pvalue
        _record(parity, f"draws: {label}: {name} ~ U({low:g}, {high:g}) (KS, port)", uniform, f"{SAMPLES} port draws against Keras's documented range")
        versus = stats.ks_2samp(ours, theirs).pvalue
        _record(parity, f"draws: {label}: {name}, port vs Keras (two-sample KS)", versus, f"{SAMPLES} draws each; Keras's from get_random_transformation")


def test_flip_decisions_follow_keras(keras_tensorflow, parity):
    layer = RandomFlip("horizontal")
    (uniform,) = _port_draws(layer, SAMPLES)
    _record(parity, "draws: RandomFlip: decision's uniform ~ U(0, 1) (KS, port)", stats.kstest(uniform.reshape(-1), "uniform").pvalue, f"{SAMPLES} port draws")
    ours = int((uniform <= 0.5).sum())
    theirs = int(np.asarray(_keras_transformation(keras_tensorflow, layer, SAMPLES)["flips"]).sum())
    table = [[ours, SAMPLES - ours], [theirs, SAMPLES - theirs]]
    p_value = stats.chi2_contingency(table).pvalue
    _record(parity, "draws: RandomFlip: flip frequency, port vs Keras (chi-square)", p_value, f"port {ours / SAMPLES:.4f}, Keras {theirs / SAMPLES:.4f} of {SAMPLES}")
    assert abs(stats.binomtest(ours, SAMPLES, 0.5).pvalue) >= LEVEL


def test_crop_offsets_follow_keras(keras_tensorflow, parity):
    import tensorflow as tf

    layer = RandomCrop(2, 3)  # of 4 x 5: offsets 0..2 and 0..2
    module = layer.build(SHAPE, None)
    module.generator = torch.Generator().manual_seed(0)
    ours = np.array([[int(value) for value in module.draws(torch.empty((1, *SHAPE)))] for _ in range(CROP_CALLS)])
    keras_tensorflow.utils.set_random_seed(0)
    keras_layer = keras_tensorflow.layers.RandomCrop(2, 3)
    images = tf.zeros((1, *SHAPE))
    theirs = np.array([[int(value) for value in keras_layer.get_random_transformation(images, training=True)] for _ in range(CROP_CALLS)])
    for axis, name, count in ((0, "top offset", SHAPE[0] - 2 + 1), (1, "left offset", SHAPE[1] - 3 + 1)):
        port_counts = np.bincount(ours[:, axis], minlength=count)
        keras_counts = np.bincount(theirs[:, axis], minlength=count)
        assert len(port_counts) == count  # offsets within [0, H - height]
        _record(parity, f"draws: RandomCrop(2, 3) of 4 x 5: {name} uniform on 0..{count - 1} (chi-square, port)", stats.chisquare(port_counts).pvalue, f"{CROP_CALLS} calls: {port_counts.tolist()}")
        _record(parity, f"draws: RandomCrop(2, 3) of 4 x 5: {name}, port vs Keras (chi-square)", stats.chi2_contingency([port_counts, keras_counts]).pvalue, f"Keras {keras_counts.tolist()}")


def test_draws_are_independent_per_image_and_reproducible():
    layer = RandomRotation(0.2)
    first, again = _port_draws(layer, 1_000, seed=3), _port_draws(layer, 1_000, seed=3)
    assert np.array_equal(first[0], again[0])  # a seeded generator gives the same draws
    assert not np.array_equal(first[0], _port_draws(layer, 1_000, seed=4)[0])
    correlation = np.corrcoef(first[0][:-1], first[0][1:])[0, 1]
    assert abs(correlation) < 0.1  # neighbouring images' angles are not related
