"""Seeded random Functional models from the supported set, for the parity suite.

Chosen cases and random stacks cover one path through a model; graphs add what only graphs
have: branches that merge again (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate), residual connections around a few layers, a layer shared by two branches, a
nested Sequential block, two inputs, two outputs with their own losses and loss weights. Each
model is small, built in live Keras from the port's own specs (``evidence.parity.keras_models``),
saved as ``.keras``, read back by the port's reader and measured like a ported model: forward
outputs, gradients and 3 optimizer steps against the float64 truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lightning_port import spec as L
from lightning_port.evidence.conformance.optimizers import OPTIMIZER_CONFORMANCE_CASES
from lightning_port.evidence.conformance.random_models import (
    _head,
    _image_layer,
    _sequence_layer,
    _vector_layer,
    degenerate_normalization,
    measure_saved,
)
from lightning_port.ops.windows import LayerShapeError

_ELEMENTWISE = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
# Layers that keep their input's shape: what a residual branch and a shared layer are made of.
_SHAPE_KEEPING = {
    "vector": lambda rng, width: rng.choice([L.Dense(width, activation=rng.choice(("relu", "tanh", None))), L.LayerNormalization(), L.Activation(rng.choice(("tanh", "relu", "sigmoid")))]),
    "image": lambda rng, width: rng.choice([L.Conv2D(width, (3, 3), padding="same", activation=rng.choice(("relu", "tanh", None))), L.BatchNormalization(), L.Activation("relu")]),
    "sequence": lambda rng, width: rng.choice([L.Conv1D(width, 3, padding="same", activation=rng.choice(("relu", "tanh", None))), L.Dense(width, activation="tanh"), L.LayerNormalization()]),
}


@dataclass(frozen=True)
class RandomGraph:
    seed: int
    model: L.LayerKind  # a Functional model (spec.Model)
    optimizer: object
    loss: object  # one loss, or a tuple per output
    loss_weights: tuple[float, ...] | None
    features: tuple[str, ...]  # what graph features it has: "merge", "residual", "shared", ...

    def describe(self) -> str:
        graph = self.model.graph
        inputs = " + ".join(str(item.shape) for item in graph.inputs)
        return f"seed {self.seed}: {inputs} -> {len(graph.layers)} layers, {len(graph.outputs)} output(s) [{', '.join(self.features)}]"


def _kind_of(shape) -> str:
    return {1: "vector", 2: "sequence", 3: "image"}[len(shape)]


def _layer_for(rng: random.Random, shape) -> L.LayerKind:
    make = {"vector": _vector_layer, "image": _image_layer, "sequence": _sequence_layer}[_kind_of(shape)]
    while True:
        layer = make(rng, shape)
        if not degenerate_normalization(layer, shape[-1]):
            return layer


def _shape_keeping(rng: random.Random, shape) -> L.LayerKind:
    while True:
        layer = _SHAPE_KEEPING[_kind_of(shape)](rng, shape[-1])
        if not degenerate_normalization(layer, shape[-1]):
            return layer


def _flat(rng: random.Random, tensor):
    """A vector from any tensor: Flatten, or a global pooling for images and sequences."""
    if len(tensor.shape) == 1:
        return tensor
    if rng.random() < 0.5:
        return L.Flatten()(tensor)
    return (L.GlobalAveragePooling2D() if len(tensor.shape) == 3 else L.GlobalMaxPooling1D())(tensor)


def _input_shape(rng: random.Random, kind: str):
    if kind == "image":
        return (rng.randint(5, 8), rng.randint(5, 8), rng.randint(1, 3))
    if kind == "sequence":
        return (rng.randint(5, 9), rng.randint(2, 3))
    return (rng.randint(3, 7),)


def _merge(rng: random.Random, tensors, features: list):
    """Two tensors of one shape merged elementwise, or any two concatenated on the last axis
    when their other axes agree (else flattened first)."""
    first, second = tensors
    if first.shape == second.shape and rng.random() < 0.7:
        name = rng.choice(_ELEMENTWISE)
        features.append(name)
        return getattr(L, name)()([first, second])
    if first.shape[:-1] != second.shape[:-1]:
        first, second = _flat(rng, first), _flat(rng, second)
    features.append("Concatenate")
    return L.Concatenate()([first, second])


def _residual(rng: random.Random, tensor, features: list):
    """x + f(x), f one or two shape-keeping layers."""
    branch = tensor
    for _ in range(rng.randint(1, 2)):
        branch = _shape_keeping(rng, tensor.shape)(branch)
    features.append("residual")
    return L.Add()([tensor, branch])


def _shared(rng: random.Random, first, second, features: list):
    """One layer called on two tensors of one shape: shared weights."""
    layer = _shape_keeping(rng, first.shape)
    features.append("shared")
    return layer(first), layer(second)


def _nested(rng: random.Random, tensor, features: list):
    """A nested Sequential block of one or two layers called on the tensor."""
    layers, shape = [], tensor.shape
    for _ in range(rng.randint(1, 2)):
        layer = _layer_for(rng, shape)
        shape = layer.output_shape(shape)
        layers.append(layer)
    features.append("nested Sequential")
    return L.Sequential(layers=tuple(layers))(tensor)


def random_graph(seed: int) -> RandomGraph:
    """One seeded random Functional model; shapes checked as Keras would check them."""
    rng = random.Random(seed)
    for _ in range(50):
        features: list[str] = []
        try:
            kind = rng.choice(("image", "image", "sequence", "vector", "vector"))
            two_inputs = rng.random() < 0.35
            inputs = [L.Input(_input_shape(rng, kind))]
            if two_inputs:
                same = rng.random() < 0.5
                inputs.append(L.Input(inputs[0].shape if same else _input_shape(rng, rng.choice(("vector", kind)))))
                features.append("two inputs")
            branches = [_layer_for(rng, tensor.shape)(tensor) if rng.random() < 0.7 else tensor for tensor in inputs]
            if len(branches) == 1:
                # A fork: two branches from one tensor, merged again below.
                source = branches[0]
                branches = [source, _layer_for(rng, source.shape)(source)]
                if branches[1].shape != source.shape and rng.random() < 0.5:
                    branches[1] = _shape_keeping(rng, source.shape)(source)
                features.append("fork")
            operations = rng.sample(("residual", "shared", "nested"), k=rng.randint(1, 3))
            for operation in operations:
                if operation == "residual":
                    branches[0] = _residual(rng, branches[0], features)
                elif operation == "shared" and branches[0].shape == branches[1].shape:
                    branches[0], branches[1] = _shared(rng, branches[0], branches[1], features)
                elif operation == "nested":
                    index = rng.randrange(len(branches))
                    branches[index] = _nested(rng, branches[index], features)
            merged = _merge(rng, branches, features)
            if rng.random() < 0.5:
                merged = _layer_for(rng, merged.shape)(merged)
            trunk = _flat(rng, merged)
            two_outputs = rng.random() < 0.35
            heads, losses = [], []
            for _ in range(2 if two_outputs else 1):
                layers, loss = _head(rng)
                tensor = trunk
                for layer in layers:
                    tensor = layer(tensor)
                heads.append(tensor)
                losses.append(loss)
            if two_outputs:
                features.append("two outputs")
            model = L.Model(inputs, heads if two_outputs else heads[0])
            model.graph.resolved().output_shapes  # checks every call, as Keras would
        except LayerShapeError:
            continue  # a model Keras would refuse (a window larger than its input): draw again
        optimizer = rng.choice(OPTIMIZER_CONFORMANCE_CASES)[1]
        loss_weights = tuple(round(rng.uniform(0.2, 1.5), 2) for _ in heads) if two_outputs and rng.random() < 0.7 else None
        return RandomGraph(seed, model, optimizer, tuple(losses) if two_outputs else losses[0], loss_weights, tuple(dict.fromkeys(features)))
    raise RuntimeError(f"no valid random graph for seed {seed}")


def graph_recipe(model: RandomGraph):
    from lightning_port.spec import Article, Preprocessing, Recipe, ReportedResult

    return Recipe(
        name="random_graph", description=model.describe(), article=Article("random graph", "lightning_port"), dataset="arrays",
        preprocessing=Preprocessing(), layers=model.model, optimizer=model.optimizer, loss=model.loss, loss_weights=model.loss_weights,
        epochs=1, batch_size=8, parameter_count=0, reported=ReportedResult(), accuracy_target=0.0,
    )


def port_and_measure_graph(model: RandomGraph, directory, samples: int | None = None):
    """Built in live Keras, saved, read back through the port's reader and measured:
    (read recipe, measurements)."""
    from pathlib import Path

    from lightning_port.evidence.parity.keras_models import build_keras_model

    path = Path(directory) / f"random_graph_{model.seed}.keras"
    build_keras_model(graph_recipe(model), seed=model.seed).save(path)
    return measure_saved(path, model.seed, samples)


__all__ = ["RandomGraph", "graph_recipe", "port_and_measure_graph", "random_graph"]
