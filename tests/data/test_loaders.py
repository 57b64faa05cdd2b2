"""The loaders on the real data: documented shapes, dtypes, value ranges and label sets."""

import hashlib

import numpy as np
import pytest

from lightning_port.data import load_raw_splits
from lightning_port.data.cifar10 import load_cifar10
from lightning_port.data.mnist import load_mnist
from lightning_port.data.pima import load_pima
from lightning_port.registry import get_recipe


def test_mnist(data_dir):
    (train_images, train_labels), (test_images, test_labels) = load_mnist(data_dir)
    assert train_images.shape == (60_000, 28, 28) and test_images.shape == (10_000, 28, 28)
    assert train_images.dtype == np.uint8 and train_labels.dtype == np.uint8
    assert train_labels.shape == (60_000,) and test_labels.shape == (10_000,)
    assert set(np.unique(train_labels)) == set(range(10)) == set(np.unique(test_labels))
    assert train_images.max() == 255 and train_images.min() == 0
    # keras.datasets.mnist's first training label and first five test labels
    assert train_labels[0] == 5 and test_labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_mnist_is_byte_exact(data_dir):
    """The shared data README's md5 of the image payload plus header."""
    raw = data_dir / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    if not raw.exists():
        pytest.skip("data root holds gzip MNIST files")
    assert hashlib.md5(raw.read_bytes()).hexdigest() == "2646ac647ad5339dbf082846283269ea"


def test_cifar10(data_dir):
    (train_images, train_labels), (test_images, test_labels) = load_cifar10(data_dir)
    assert train_images.shape == (50_000, 32, 32, 3) and test_images.shape == (10_000, 32, 32, 3)
    assert train_images.dtype == np.uint8 and train_labels.dtype == np.uint8
    assert train_images.flags.c_contiguous
    assert np.bincount(train_labels).tolist() == [5_000] * 10
    assert np.bincount(test_labels).tolist() == [1_000] * 10


def test_pima(data_dir):
    features, labels = load_pima(data_dir)
    assert features.shape == (768, 8) and labels.shape == (768,)
    assert features.dtype == np.float64 and labels.dtype == np.float64
    assert set(np.unique(labels)) == {0.0, 1.0} and labels.sum() == 268
    assert features.min() >= 0.0 and features[:, 1].max() > 100  # raw, unscaled glucose
    expected = np.loadtxt(data_dir / "pima-indians-diabetes.csv", delimiter=",")
    np.testing.assert_array_equal(features, expected[:, 0:8])


def test_cifar_validation_split_is_fixed_and_disjoint(data_dir):
    recipe = get_recipe("cifar_cnn")
    first = load_raw_splits(recipe, data_dir)
    second = load_raw_splits(recipe, data_dir)
    assert len(first.train[0]) == 45_000 and len(first.validation[0]) == 5_000
    np.testing.assert_array_equal(first.validation[1], second.validation[1])
    np.testing.assert_array_equal(first.validation[0][:50], second.validation[0][:50])


def test_pima_holdout_is_stratified(data_dir):
    splits = load_raw_splits(get_recipe("pima_mlp"), data_dir, holdout_fraction=0.2)
    held_labels = splits.evaluations["holdout"][1]
    assert splits.test_split == "holdout"
    assert len(held_labels) + len(splits.train[1]) == 768
    assert abs(held_labels.mean() - 268 / 768) < 0.01
    assert "train" in splits.evaluations


def test_max_train_samples_keeps_a_prefix(data_dir):
    splits = load_raw_splits(get_recipe("mnist_mlp"), data_dir, max_train_samples=100)
    assert len(splits.train[0]) == 100
    assert splits.train[1][0] == 5


def test_cifar_channels_follow_the_pickle_layout(data_dir):
    """The format's own definition: each row holds 1024 red, then 1024 green, then 1024 blue
    values, each plane row-major. Known pixels, read straight from the pickle."""
    import pickle

    with open(data_dir / "cifar-10-batches-py" / "test_batch", "rb") as handle:
        rows = pickle.load(handle, encoding="bytes")[b"data"]  # the shared copy: trusted data
    (_, _), (images, _) = load_cifar10(data_dir)
    for index, row, column in [(0, 0, 0), (0, 5, 17), (123, 31, 0), (4567, 12, 30), (9999, 16, 31)]:
        position = row * 32 + column
        expected = [rows[index][position], rows[index][1024 + position], rows[index][2048 + position]]
        assert images[index, row, column].tolist() == expected, (index, row, column)
    # and the planes really differ somewhere, so a channel mix-up could not pass unnoticed
    assert not np.array_equal(images[..., 0], images[..., 2])
