"""The data sets by name: how each is loaded and fetched. A recipe names its data set here.

Every loader returns what ``keras.datasets.<name>.load_data()`` would (channels-last uint8
images, integer labels) so that the Keras reference consumes the same arrays unchanged;
the tensor layout torch trains on is decided by the recipe's input rank
(``Recipe.is_image_model``: images are served channels-first), not per data set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lightning_port.data.addition import addition_arrays, decode, decode_question
from lightning_port.data.arrays import load_arrays_split
from lightning_port.data.cifar10 import load_cifar10_split
from lightning_port.data.mnist import load_mnist_split
from lightning_port.data.pima import load_pima
from lightning_port.data.token_memory import token_memory_arrays

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """``load_train(root, recipe)`` / ``load_test(root, recipe)``: the data root, and the recipe
    (the ``arrays`` data set reads the recipe's own file, one array per input and output)."""

    name: str
    files: str  # what is read, in which format
    fetched_by: str  # how missing files are downloaded (unless LIGHTNING_PORT_OFFLINE=1)
    load_train: Callable[[Path, object], Arrays]
    load_test: Callable[[Path, object], Arrays] | None  # None: the data set has no test split
    # A sample as a person reads it: (inputs, predicted or true classes) -> (question, answer).
    decode: Callable[[np.ndarray, np.ndarray], tuple[str, str]] | None = None


DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "mnist",
            "MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (IDX)",
            "torchvision.datasets.MNIST",
            lambda root, _: load_mnist_split(root, "train"),
            lambda root, _: load_mnist_split(root, "test"),
        ),
        Dataset(
            "cifar10",
            "cifar-10-batches-py/{data_batch_1..5,test_batch} (python pickles, read directly)",
            "torchvision.datasets.CIFAR10",
            lambda root, _: load_cifar10_split(root, "train"),
            lambda root, _: load_cifar10_split(root, "test"),
        ),
        Dataset(
            "pima",
            "pima-indians-diabetes.csv (8 features and a 0/1 label per row)",
            "the tutorial's URL (jbrownlee/Datasets on GitHub)",
            lambda root, _: load_pima(root),
            None,
        ),
        Dataset(
            "addition",
            "none: made by the data layer (data/addition.py), 50,000 questions 'a+b' of up to 3 digits, one-hot, 10% held out",
            "nothing (generated from a fixed seed)",
            lambda root, _: addition_arrays()[0],
            lambda root, _: addition_arrays()[1],
            lambda inputs, classes: (decode_question(inputs), decode(classes)),
        ),
        Dataset(
            "token_memory",
            "none: made by the data layer (data/token_memory.py), token sequences labelled by whether their first token recurs",
            "nothing (generated from a fixed seed)",
            lambda root, _: token_memory_arrays()[0],
            lambda root, _: token_memory_arrays()[1],
        ),
        Dataset(
            "arrays",
            "the recipe's data_file: an .npz with x_train, y_train (and x_test, y_test), e.g. a ported model's --data",
            "nothing (a user's own file)",
            lambda root, recipe: load_arrays_split(root, recipe.data_file, "train", tuple(i.name for i in recipe.graph.inputs), recipe.output_names),
            lambda root, recipe: load_arrays_split(root, recipe.data_file, "test", tuple(i.name for i in recipe.graph.inputs), recipe.output_names),
        ),
    )
}


def dataset_named(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}") from None
