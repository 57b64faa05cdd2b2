"""Seeded random Sequential models from the supported set, for the parity suite.

Chosen cases cover what someone thought of; random stacks cover combinations nobody chose:
a pooling after a strided "same" convolution of an odd input, a LayerNormalization on a
sequence before a Dense on its last axis, a BatchNormalization before a softmax head. Each
model is small (inputs of a few hundred values), built in live Keras, saved as ``.keras``,
read back by the port's own reader and measured like a ported model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lightning_port import spec as L
from lightning_port.evidence.conformance.optimizers import OPTIMIZER_CONFORMANCE_CASES
from lightning_port.layers.graph import Graph
from lightning_port.ops.windows import LayerShapeError
from lightning_port.spec.losses import BinaryCrossentropy, CategoricalCrossentropy, Huber, SparseCategoricalCrossentropy

# Activations that keep tiny random networks finite (exponential growth aside).
# ("silu", not its alias "swish": a file stores the name Keras resolves it to.)
_ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "softplus", "softsign", "silu", "gelu", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu", "mish", None)


@dataclass(frozen=True)
class RandomModel:
    seed: int
    input_shape: tuple[int, ...]
    layers: tuple[L.LayerKind, ...]
    optimizer: object
    loss: object

    def describe(self) -> str:
        return f"seed {self.seed}: {self.input_shape} -> " + " -> ".join(type(layer).__name__ for layer in self.layers)


_NORMALIZING = (L.LayerNormalization, L.BatchNormalization)


def degenerate_normalization(layer, width: int) -> bool:
    """A normalisation over fewer than 3 values: its output is nearly constant (over one value,
    exactly beta) and its gradient cancels to rounding noise (which Adam's steps then
    amplify), in either framework. Relative errors would measure that rounding, not the port,
    so the random models draw none."""
    return isinstance(layer, _NORMALIZING) and width < 3


def _image_layer(rng: random.Random, shape) -> L.LayerKind:
    height, width, _ = shape
    choice = rng.choice(("conv", "conv", "pool", "batchnorm", "padding", "spatial_dropout", "activation", "layernorm"))
    if choice == "conv":
        kernel = rng.choice((1, 2, 3))
        stride = rng.choice((1, 2))
        dilation = rng.choice((1, 2)) if stride == 1 and kernel > 1 else 1
        padding = rng.choice(("valid", "same"))
        return L.Conv2D(rng.randint(2, 4), (kernel, kernel), strides=(stride, stride), padding=padding, dilation_rate=(dilation, dilation), activation=rng.choice(_ACTIVATIONS), use_bias=rng.random() < 0.8)
    if choice == "pool":
        layer_class = rng.choice((L.MaxPooling2D, L.AveragePooling2D))
        pool = rng.choice(((2, 2), (3, 3), (2, 3)))
        strides = rng.choice((None, (1, 1), (2, 2)))
        return layer_class(pool, None if strides == pool else strides, rng.choice(("valid", "same")))
    if choice == "batchnorm":
        return L.BatchNormalization(momentum=rng.choice((0.99, 0.9)), epsilon=rng.choice((1e-3, 1e-5)), center=rng.random() < 0.8, scale=rng.random() < 0.8)
    if choice == "padding":
        return L.ZeroPadding2D(((rng.randint(0, 2), rng.randint(0, 2)), (rng.randint(0, 2), rng.randint(0, 2))))
    if choice == "spatial_dropout":
        return L.SpatialDropout2D(rng.choice((0.1, 0.3)))
    if choice == "layernorm":
        return L.LayerNormalization(epsilon=rng.choice((1e-3, 1e-6)))
    return L.Activation(rng.choice([name for name in _ACTIVATIONS if name]))


def _sequence_layer(rng: random.Random, shape) -> L.LayerKind:
    choice = rng.choice(("conv", "conv", "pool", "dense", "layernorm", "batchnorm", "dropout"))
    if choice == "conv":
        kernel = rng.choice((1, 2, 3))
        stride = rng.choice((1, 2))
        return L.Conv1D(rng.randint(2, 4), kernel, strides=stride, padding=rng.choice(("valid", "same", "causal")), activation=rng.choice(_ACTIVATIONS), dilation_rate=rng.choice((1, 2)) if stride == 1 else 1)
    if choice == "pool":
        layer_class = rng.choice((L.MaxPooling1D, L.AveragePooling1D))
        pool, strides = rng.choice((2, 3)), rng.choice((None, 1, 2))
        return layer_class(pool, None if strides == pool else strides, rng.choice(("valid", "same")))
    if choice == "dense":
        return L.Dense(rng.randint(2, 5), activation=rng.choice(_ACTIVATIONS))
    if choice == "layernorm":
        return L.LayerNormalization(center=rng.random() < 0.8, scale=rng.random() < 0.8)
    if choice == "batchnorm":
        return L.BatchNormalization(trainable=rng.random() < 0.8)
    return L.Dropout(rng.choice((0.1, 0.5)))


def _vector_layer(rng: random.Random, shape) -> L.LayerKind:
    choice = rng.choice(("dense", "dense", "batchnorm", "layernorm", "dropout", "relu", "leaky", "elu", "rescaling", "softmax"))
    if choice == "dense":
        return L.Dense(rng.randint(3, 8), activation=rng.choice(_ACTIVATIONS), use_bias=rng.random() < 0.8)
    if choice == "batchnorm":
        return L.BatchNormalization(momentum=rng.choice((0.99, 0.5)))
    if choice == "layernorm":
        return L.LayerNormalization()
    if choice == "dropout":
        return L.Dropout(rng.choice((0.2, 0.5)))
    if choice == "relu":
        return L.ReLU(max_value=rng.choice((None, 1.0, 6.0)), negative_slope=rng.choice((0.0, 0.1)), threshold=rng.choice((0.0, 0.2)))
    if choice == "leaky":
        return L.LeakyReLU(rng.choice((0.3, 0.01)))
    if choice == "elu":
        return L.ELU(rng.choice((1.0, 0.5)))
    if choice == "rescaling":
        return L.Rescaling(rng.choice((0.5, 2.0)), rng.choice((0.0, -0.1)))
    return L.Softmax()


def _head(rng: random.Random) -> tuple[tuple[L.LayerKind, ...], object]:
    kind = rng.choice(("categorical", "categorical_logits", "sparse", "sparse_logits", "binary", "binary_logits", "mse", "mae", "huber"))
    classes = rng.randint(3, 4)
    if kind == "categorical":
        return (L.Dense(classes, activation="softmax"),), "categorical_crossentropy"
    if kind == "categorical_logits":
        return (L.Dense(classes),), CategoricalCrossentropy(from_logits=True)
    if kind == "sparse":
        return (L.Dense(classes), L.Softmax()), "sparse_categorical_crossentropy"
    if kind == "sparse_logits":
        return (L.Dense(classes),), SparseCategoricalCrossentropy(from_logits=True)
    if kind == "binary":
        return (L.Dense(1, activation="sigmoid"),), "binary_crossentropy"
    if kind == "binary_logits":
        return (L.Dense(1),), BinaryCrossentropy(from_logits=True)
    if kind == "huber":
        # Keras 3.15's Huber.get_config() leaves delta out, so a saved model reloads with delta 1
        # in Keras itself; the chosen Huber(delta=0.3) case is measured on a live model instead.
        return (L.Dense(rng.randint(1, 3)),), Huber()
    return (L.Dense(rng.randint(1, 3)),), kind


def _stack_output(layers, shape) -> tuple[int, ...]:
    """The output shape of a stack, checked as Keras would check it."""
    return Graph.stack(tuple(shape), tuple(layers)).output_shapes[0] if layers else tuple(shape)


def random_model(seed: int) -> RandomModel:
    """One seeded random model; shapes are checked as Keras would check them."""
    rng = random.Random(seed)
    for attempt in range(50):
        kind = rng.choice(("image", "image", "sequence", "vector", "tokens"))
        layers: list[L.LayerKind] = []
        if kind == "image":
            shape = (rng.randint(6, 9), rng.randint(6, 9), rng.randint(1, 3))
            make, depth = _image_layer, rng.randint(1, 3)
        elif kind == "sequence":
            shape = (rng.randint(6, 10), rng.randint(1, 3))
            make, depth = _sequence_layer, rng.randint(1, 3)
        elif kind == "tokens":
            shape = (rng.randint(4, 8),)
            layers.append(L.Embedding(rng.randint(10, 30), rng.randint(2, 4)))
            make, depth = _sequence_layer, rng.randint(0, 2)
        else:
            shape = (rng.randint(4, 8),)
            make, depth = _vector_layer, rng.randint(1, 3)
        try:
            current = _stack_output(layers, shape)
            for _ in range(depth):
                layer = make(rng, current)
                if degenerate_normalization(layer, current[-1]) or (isinstance(layer, _NORMALIZING) and layers and isinstance(layers[-1], _NORMALIZING)):
                    # A normalisation of an already normalised tensor divides near-zero
                    # variances: as in degenerate_normalization, the rounding would be measured.
                    continue
                current = _stack_output([layer], current)
                if min(current[:-1] or (1,)) < 1:
                    raise LayerShapeError("an empty axis")
                layers.append(layer)
            if len(current) > 1:
                reducer = rng.choice(("flatten", "global")) if len(current) in (2, 3) else "flatten"
                if reducer == "global":
                    layers.append((L.GlobalAveragePooling2D if len(current) == 3 else L.GlobalMaxPooling1D)())
                else:
                    layers.append(L.Flatten())
            if rng.random() < 0.5:
                layers.append(_vector_layer(rng, None))
            head, loss = _head(rng)
            layers += head
            _stack_output(layers, shape)
        except LayerShapeError:
            continue  # a stack Keras would refuse (a window larger than its input): draw again
        optimizer = rng.choice(OPTIMIZER_CONFORMANCE_CASES)[1]
        return RandomModel(seed, tuple(shape), tuple(layers), optimizer, loss)
    raise RuntimeError(f"no valid random model for seed {seed}")


def save_keras_model(model: RandomModel, path) -> None:
    """The model built and compiled in live Keras (fresh seeded weights), saved as .keras."""
    from lightning_port.evidence.parity.keras_models import build_keras_model
    from lightning_port.spec import Article, Preprocessing, Recipe, ReportedResult

    recipe = Recipe(
        name="random", description=model.describe(), article=Article("random model", "lightning_port"), dataset="arrays",
        input_shape=model.input_shape, preprocessing=Preprocessing(), layers=model.layers, optimizer=model.optimizer,
        loss=model.loss, epochs=1, batch_size=8, parameter_count=0, reported=ReportedResult(), accuracy_target=0.0,
    )
    build_keras_model(recipe, seed=model.seed).save(path)


def measure_saved(path, seed: int, samples: int | None = None):
    """A saved random model read back through the port's reader and measured on seeded
    synthetic data: (read recipe, measurements). ``samples``: default, enough for
    OPTIMIZER_STEPS (3) batches of the recipe's batch size."""
    from lightning_port.evidence.parity.measure import OPTIMIZER_STEPS, measure_parity, synthetic_data
    from lightning_port.porting.reader import read_keras_file

    read = read_keras_file(path)
    inputs, targets = synthetic_data(read.recipe, samples or OPTIMIZER_STEPS * read.recipe.batch_size, seed)
    return read, measure_parity(read.recipe, read.keras_model, inputs, targets)


def port_and_measure(model: RandomModel, directory, samples: int | None = None):
    """Save, read back through the port's reader, and measure: (read recipe, measurements)."""
    from pathlib import Path

    path = Path(directory) / f"random_{model.seed}.keras"
    save_keras_model(model, path)
    return measure_saved(path, model.seed, samples)
