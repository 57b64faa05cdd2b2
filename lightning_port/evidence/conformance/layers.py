"""Every supported layer in every configuration the port claims, and every loss, measured
against live Keras: forward outputs, gradients and optimizer steps, float64 and float32.

A case is a tiny Sequential model around the layer (the layer, then a Flatten and a small
Dense head where the layer's output is not already flat), compiled with a plain optimizer
and a loss. The live Keras model is built from the specs (``keras_compat.layer_configs``),
its freshly initialised weights are copied into the port, and ``porting.measure`` compares
the two. Shapes are tiny: each case takes about a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.keras_compat.layer_configs import build_keras_layer
from lightning_port.porting.measure import Measurement, measure_parity, synthetic_data
from lightning_port.spec import SGD, Article, Preprocessing, Recipe, ReportedResult
from lightning_port.spec import layers as L
from lightning_port.spec.layers import ACTIVATIONS, Layer
from lightning_port.spec.losses import BinaryCrossentropy, CategoricalCrossentropy, Huber, SparseCategoricalCrossentropy


@dataclass(frozen=True)
class Case:
    group: str  # the layer (or loss) the case is about
    label: str  # its configuration
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]
    loss: object = "mse"
    optimizer: object = SGD(learning_rate=0.05)


def _head(layer: Layer, input_shape) -> tuple[Layer, ...]:
    """The layer, then Flatten and Dense(3) when its output is not flat (so every case ends
    in a small vector the loss compares)."""
    output = layer.output_shape(input_shape)
    return (layer,) + ((L.Flatten(),) if len(output) > 1 else ()) + (L.Dense(3),)


def _layer_case(label: str, input_shape, layer: Layer, group: str | None = None) -> Case:
    return Case(group or type(layer).__name__, label, tuple(input_shape), _head(layer, input_shape))


def layer_cases() -> list[Case]:
    cases = [
        _layer_case("units=4", (5,), L.Dense(4)),
        _layer_case("relu, no bias", (5,), L.Dense(4, activation="relu", use_bias=False)),
        _layer_case("on a rank-3 input (the last axis)", (3, 5), L.Dense(4, activation="tanh")),
    ]
    for input_size in (7, 8):
        for kernel in (2, 3):
            for padding in ("valid", "same"):
                for stride in (1, 2):
                    label = f"kernel {kernel}, {padding}, stride {stride}, input {input_size}x{input_size}"
                    cases.append(_layer_case(label, (input_size, input_size, 2), L.Conv2D(3, (kernel, kernel), strides=(stride, stride), padding=padding)))
    cases += [
        _layer_case("kernel 3x2, dilation 2, same, relu", (9, 8, 2), L.Conv2D(3, (3, 2), padding="same", dilation_rate=(2, 2), activation="relu")),
        _layer_case("kernel 3, strides (2, 1), no bias", (8, 7, 2), L.Conv2D(2, (3, 3), strides=(2, 1), use_bias=False)),
    ]
    for padding in ("valid", "same", "causal"):
        for kernel, stride, dilation in ((3, 1, 1), (2, 2, 1), (3, 1, 2), (4, 2, 1)):
            if dilation > 1 and stride > 1:
                continue
            label = f"kernel {kernel}, {padding}, stride {stride}, dilation {dilation}"
            cases.append(_layer_case(label, (9, 2), L.Conv1D(3, kernel, strides=stride, padding=padding, dilation_rate=dilation)))
    for layer_class in (L.MaxPooling2D, L.AveragePooling2D):
        for padding in ("valid", "same"):
            for pool, strides in (((2, 2), None), ((3, 3), (2, 2)), ((2, 3), (1, 2))):
                cases.append(_layer_case(f"pool {pool}, strides {strides or pool}, {padding}, input 7x8", (7, 8, 2), layer_class(pool, strides, padding)))
    for layer_class in (L.MaxPooling1D, L.AveragePooling1D):
        for padding in ("valid", "same"):
            for pool, strides in ((2, None), (3, 2)):
                cases.append(_layer_case(f"pool {pool}, strides {strides or pool}, {padding}, input 9", (9, 2), layer_class(pool, strides, padding)))
    for layer_class, shape in ((L.GlobalAveragePooling2D, (4, 5, 3)), (L.GlobalMaxPooling2D, (4, 5, 3)), (L.GlobalAveragePooling1D, (6, 3)), (L.GlobalMaxPooling1D, (6, 3))):
        for keepdims in (False, True):
            cases.append(_layer_case(f"keepdims={keepdims}", shape, layer_class(keepdims=keepdims)))
    cases += [
        _layer_case("of (4, 5, 3), channels-last order", (4, 5, 3), L.Flatten()),
        _layer_case("(4, 5, 3) -> (-1, 6)", (4, 5, 3), L.Reshape((-1, 6))),
        _layer_case("rate 0.3 (inference: identity)", (6,), L.Dropout(0.3)),
        _layer_case("rate 0.3 (inference: identity)", (4, 4, 3), L.SpatialDropout2D(0.3)),
        _layer_case("defaults (momentum 0.99, epsilon 1e-3)", (5,), L.BatchNormalization()),
        _layer_case("on images, momentum 0.9, epsilon 1e-5", (4, 4, 3), L.BatchNormalization(momentum=0.9, epsilon=1e-5)),
        _layer_case("center=False, scale=False", (5,), L.BatchNormalization(center=False, scale=False)),
        _layer_case("trainable=False (inference mode)", (5,), L.BatchNormalization(trainable=False)),
        _layer_case("defaults (epsilon 1e-3)", (3, 5), L.LayerNormalization()),
        _layer_case("center=False, scale=False, epsilon 1e-5", (5,), L.LayerNormalization(epsilon=1e-5, center=False, scale=False)),
        _layer_case("max_value 0.5, negative_slope 0.1, threshold 0.2", (6,), L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2)),
        _layer_case("max_value 6", (6,), L.ReLU(max_value=6.0)),
        _layer_case("negative_slope 0.3 (default)", (6,), L.LeakyReLU()),
        _layer_case("alpha 0.5", (6,), L.ELU(alpha=0.5)),
        _layer_case("axis -1", (6,), L.Softmax()),
        _layer_case("axis 1 of (3, 4)", (3, 4), L.Softmax(axis=1)),
        _layer_case("input_dim 20, output_dim 4", (5,), L.Embedding(20, 4)),
        _layer_case("((1, 2), (0, 3))", (4, 4, 2), L.ZeroPadding2D(((1, 2), (0, 3)))),
        _layer_case("scale 1/255, offset -0.5", (6,), L.Rescaling(1 / 255, -0.5)),
    ]
    for name in ACTIVATIONS:
        width = 6  # even, for glu
        cases.append(_layer_case(name, (width,), L.Activation(name), group="Activation"))
    return cases


def loss_cases() -> list[Case]:
    """Each loss and option, on the head that makes it meaningful."""
    def head(activation, units, loss, label):
        return Case("loss", label, (6,), (L.Dense(5, activation="relu"), L.Dense(units, activation=activation)), loss=loss)

    return [
        head("softmax", 4, "categorical_crossentropy", "categorical_crossentropy on a softmax (logits recovered)"),
        head(None, 4, CategoricalCrossentropy(from_logits=True), "CategoricalCrossentropy(from_logits=True)"),
        head("sigmoid", 4, "categorical_crossentropy", "categorical_crossentropy on probabilities (normalised, clipped)"),
        head("softmax", 4, "sparse_categorical_crossentropy", "sparse_categorical_crossentropy on a softmax (clipped log)"),
        head(None, 4, SparseCategoricalCrossentropy(from_logits=True), "SparseCategoricalCrossentropy(from_logits=True)"),
        head("sigmoid", 1, "binary_crossentropy", "binary_crossentropy on a sigmoid (logits recovered)"),
        head(None, 1, BinaryCrossentropy(from_logits=True), "BinaryCrossentropy(from_logits=True)"),
        head("softmax", 2, "binary_crossentropy", "binary_crossentropy on probabilities (clipped)"),
        head(None, 3, "mse", "mean_squared_error"),
        head(None, 3, "mae", "mean_absolute_error"),
        head(None, 3, "huber", "huber (delta 1)"),
        head(None, 3, Huber(delta=0.3), "Huber(delta=0.3)"),
    ]


def case_recipe(case: Case) -> Recipe:
    from lightning_port.spec.layers import summarize

    return Recipe(
        name="conformance", description=f"{case.group}: {case.label}", article=Article("conformance case", "lightning_port"), dataset="arrays",
        input_shape=case.input_shape, preprocessing=Preprocessing(), layers=case.layers, optimizer=case.optimizer,
        loss=case.loss, epochs=1, batch_size=8, parameter_count=sum(row.parameters for row in summarize(case.layers, case.input_shape)),
        reported=ReportedResult(), accuracy_target=0.0,
    )


def build_keras_model(recipe: Recipe, seed: int = 0):
    """The live Keras model of a recipe's specs, compiled as the recipe says (imports Keras)."""
    import keras

    from lightning_port.porting.measure import _fresh_compile

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(recipe.input_shape), *(build_keras_layer(layer) for layer in recipe.layers)])
    _fresh_compile(model, recipe)
    return model


def measure_case(case: Case, samples: int = 16, seed: int = 0) -> list[Measurement]:
    recipe = case_recipe(case)
    keras_model = build_keras_model(recipe, seed)
    inputs, targets = synthetic_data(recipe, samples, seed)
    return measure_parity(recipe, keras_model, inputs, targets)


__all__ = ["Case", "build_keras_model", "case_recipe", "layer_cases", "loss_cases", "measure_case"]
