"""The port's batched augmentation against Keras's ImageDataGenerator (recipe settings)."""

import numpy as np
import pytest
import torch

from lightning_port.keras_compat.augmentation import BatchAugmentation, apply_transform, sample_parameters
from lightning_port.registry import get_recipe
from tests.parity.keras_fixtures import tutorial_data

pytestmark = pytest.mark.parity
PIXEL_TOLERANCE = 1e-6  # max |difference| on [0, 1] pixels: both interpolate in float64 and round once to float32

# Keras's own parameter names: theta in degrees, tx = shift along rows (the height-shift
# draw), ty = shift along columns (the width-shift draw), then an optional horizontal flip.
FIXED_TRANSFORMS = {
    "rotate 10, tx 3, ty 2, flip": {"theta": 10.0, "tx": 3.0, "ty": 2.0, "flip_horizontal": True},
    "rotate -15, tx -3.2, ty 1.7": {"theta": -15.0, "tx": -3.2, "ty": 1.7, "flip_horizontal": False},
    "sub-pixel shift tx 0.5": {"theta": 0.0, "tx": 0.5, "ty": 0.0, "flip_horizontal": False},
}


@pytest.fixture(scope="module")
def images(data_dir):
    inputs, _ = tutorial_data("cifar_cnn", data_dir, max_train_samples=16)["train"]
    return inputs  # Keras layout (N, 32, 32, 3), float32 in [0, 1]


@pytest.mark.parametrize("label", list(FIXED_TRANSFORMS))
def test_fixed_transform_matches_image_data_generator(label, images, keras_tensorflow, parity):
    from keras_reference.cifar_cnn import make_generator

    transform = FIXED_TRANSFORMS[label]
    expected = np.stack([make_generator().apply_transform(image, transform) for image in images])
    count = len(images)
    parameters = {key: torch.full((count,), float(transform[key]), dtype=torch.float64) for key in ("theta", "tx", "ty")}
    parameters["flip_horizontal"] = torch.full((count,), transform["flip_horizontal"])
    actual = apply_transform(torch.from_numpy(images), parameters).numpy()
    difference = float(np.abs(actual - expected).max())
    moved = float(np.abs(expected - images).max())
    entry = parity.record(f"augmentation: {label}", "cifar_cnn", difference, PIXEL_TOLERANCE, detail=f"max |pixel diff|, {count} images (moved up to {moved:.2f})")
    assert entry.passed
    assert moved > 0.1  # the transform really changed the images


def test_random_draws_are_per_image_and_within_the_recipe_ranges():
    spec = get_recipe("cifar_cnn").augmentation
    torch.manual_seed(0)
    parameters = sample_parameters(spec, 4_096, 32, 32)
    assert parameters["theta"].abs().max() <= spec.rotation_range
    assert parameters["tx"].abs().max() <= spec.height_shift_range * 32
    assert parameters["ty"].abs().max() <= spec.width_shift_range * 32
    assert len(torch.unique(parameters["theta"])) == 4_096  # continuous and independent per image
    assert parameters["tx"].abs().max() > 3.0 and (parameters["tx"] != parameters["tx"].round()).all()  # not whole pixels
    assert 0.45 < parameters["flip_horizontal"].float().mean() < 0.55
    one_image = torch.rand(1, 32, 32, 3).expand(64, -1, -1, -1).contiguous()
    augmented = BatchAugmentation(spec)(one_image).reshape(64, -1)
    assert len(torch.unique(augmented, dim=0)) == 64  # 64 copies of one image, 64 different results


def test_augmented_batches_keep_the_contiguous_channels_last_layout():
    """Dropout draws its mask in memory order: a batch in another layout than the
    unaugmented ones would drop other activations (and a K-batch execution, which
    concatenates its pieces, would then differ from K single steps)."""
    images = torch.rand(8, 32, 32, 3)
    augmented = BatchAugmentation(get_recipe("cifar_cnn").augmentation)(images, torch.Generator().manual_seed(0))
    assert augmented.shape == images.shape
    assert augmented.is_contiguous() and augmented.stride() == images.stride()


def test_random_draw_distribution_matches_keras(keras_tensorflow):
    """Same ranges and spread as ImageDataGenerator.get_random_transform draws."""
    from keras_reference.cifar_cnn import make_generator

    spec = get_recipe("cifar_cnn").augmentation
    generator = make_generator()
    np.random.seed(0)
    keras_draws = [generator.get_random_transform((32, 32, 3)) for _ in range(4_000)]
    torch.manual_seed(0)
    ours = sample_parameters(spec, 4_000, 32, 32)
    for key in ("theta", "tx", "ty"):
        keras_values = np.array([draw[key] for draw in keras_draws])
        assert abs(keras_values.max() - ours[key].max().item()) < 0.05 * keras_values.max()
        assert abs(keras_values.std() - ours[key].std().item()) < 0.05 * keras_values.std()
    keras_flips = np.mean([draw["flip_horizontal"] for draw in keras_draws])
    assert abs(keras_flips - ours["flip_horizontal"].float().mean().item()) < 0.05
