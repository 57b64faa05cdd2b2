"""Every supported layer in every configuration the port claims, and every loss, measured
against live Keras: forward outputs, gradients and optimizer steps, float64 and float32.

The layer cases come from the layer kinds themselves (``LayerKind.conformance_cases``, found
through the registry): a case is a tiny model around the layer (the layer, then a Flatten and
a small Dense head where the layer's output is not already flat), compiled with a plain
optimizer and a loss. The live Keras model is built from the specs
(``evidence.parity.keras_models``), its freshly initialised weights are copied into the port,
and ``evidence.parity.measure`` compares the two. Shapes are tiny: each case takes about a
second.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.evidence.parity.keras_models import build_keras_model
from lightning_port.evidence.parity.measure import Measurement, measure_parity, synthetic_data
from lightning_port.layers.base import LayerKind
from lightning_port.layers.registry import layer_kinds
from lightning_port.spec import SGD, Article, Dense, Flatten, Preprocessing, Recipe, ReportedResult
from lightning_port.spec.losses import BinaryCrossentropy, CategoricalCrossentropy, Huber, SparseCategoricalCrossentropy


@dataclass(frozen=True)
class Case:
    group: str  # the layer (or loss) the case is about
    label: str  # its configuration
    input_shape: tuple[int, ...] | None  # a stack's input; None: ``model`` is a graph
    layers: tuple[LayerKind, ...] | LayerKind
    loss: object = "mse"
    optimizer: object = SGD(learning_rate=0.05)


def _head(layer: LayerKind, input_shape) -> tuple[LayerKind, ...]:
    """The layer, then Flatten and Dense(3) when its output is not flat (so every case ends
    in a small vector the loss compares)."""
    output = layer.output_shape(input_shape)
    return (layer,) + ((Flatten(),) if len(output) > 1 else ()) + (Dense(3),)


def layer_cases() -> list[Case]:
    """Every registered kind's cases, in the registry's order. A kind may give a whole model
    instead of one layer (the merge layers need several inputs): a case whose layer is a
    Functional model is measured as that model."""
    cases = []
    for kind in layer_kinds().values():
        for label, input_shape, layer in kind.conformance_cases():
            if layer.keras_class == "Functional":
                # A model without weights (a layer alone) has nothing to train: forward only.
                untrained = {} if layer.graph.parameter_count() else {"loss": None, "optimizer": None}
                cases.append(Case(kind.keras_class, label, None, layer, **untrained))
            else:
                cases.append(Case(kind.keras_class, label, tuple(input_shape), _head(layer, input_shape)))
    return cases


def loss_cases() -> list[Case]:
    """Each loss and option, on the head that makes it meaningful."""
    def head(activation, units, loss, label):
        return Case("loss", label, (6,), (Dense(5, activation="relu"), Dense(units, activation=activation)), loss=loss)

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
    recipe = Recipe(
        name="conformance", description=f"{case.group}: {case.label}", article=Article("conformance case", "lightning_port"), dataset="arrays",
        input_shape=case.input_shape, preprocessing=Preprocessing(), layers=case.layers, optimizer=case.optimizer,
        loss=case.loss, epochs=1, batch_size=8, parameter_count=0, reported=ReportedResult(), accuracy_target=0.0,
    )
    return recipe


def measure_case(case: Case, samples: int = 16, seed: int = 0) -> list[Measurement]:
    recipe = case_recipe(case)
    keras_model = build_keras_model(recipe, seed)
    inputs, targets = synthetic_data(recipe, samples, seed)
    return measure_parity(recipe, keras_model, inputs, targets)


__all__ = ["Case", "build_keras_model", "case_recipe", "layer_cases", "loss_cases", "measure_case"]
