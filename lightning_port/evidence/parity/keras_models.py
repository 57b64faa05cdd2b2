"""Live Keras models built from the port's specs, and their float64 twins: what the parity
measurements, the conformance table and the random models compare the port with.

A graph is built the way Keras code builds it: a stack as ``keras.Sequential([keras.Input(...),
...])``, any other graph by calling each layer on the tensors of its inputs, in the graph's
order; nested models as ``keras.Sequential`` / ``keras.Model`` of their own. Every layer gets
the name the port resolved for it, so the two sides' variable paths agree.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses

import numpy as np

from lightning_port.layers.base import LayerKind
from lightning_port.layers.graph import Graph, InputRef, OutputRef
from lightning_port.spec import Recipe


def build_keras_layer(layer: LayerKind):
    """The live Keras layer for a spec (imports Keras: select the backend first)."""
    import keras

    if layer.keras_class == "Sequential":
        return keras.Sequential([build_keras_layer(item) for item in layer.layers], name=layer.name)
    if layer.keras_class == "Functional":
        return keras_model_of(layer.graph, name=layer.name)
    # A wrapper's layers (Bidirectional's, TimeDistributed's) are built first, as Keras code does.
    arguments = {key: build_keras_layer(value) if isinstance(value, LayerKind) else value for key, value in layer.keras_arguments().items()}
    built = getattr(keras.layers, layer.keras_class)(**arguments)
    if getattr(layer, "trainable", True) is False:
        built.trainable = False
    return built


def keras_model_of(graph: Graph, name: str | None = None):
    """The live Keras model of a resolved graph (named ``name``, else the graph's name)."""
    import keras

    name = name or graph.name
    inputs = [keras.Input(graph_input.shape, name=graph_input.name, dtype=graph_input.dtype) for graph_input in graph.inputs]
    if graph.is_stack:
        return keras.Sequential([inputs[0], *(build_keras_layer(layer) for layer in graph.layers)], name=name)
    layers = [build_keras_layer(layer) for layer in graph.layers]
    tensors: dict = {InputRef(index): tensor for index, tensor in enumerate(inputs)}

    def fetch(reference):
        return [tensors[item] for item in reference] if isinstance(reference, tuple) else tensors[reference]

    for node in graph.creation_order():  # a shared layer's calls in their numbered order
        outputs = layers[node.layer](fetch(node.arguments), **{key: fetch(value) for key, value in node.keyword_arguments})
        for index, tensor in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
            tensors[OutputRef(node.layer, node.index, index)] = tensor
    outputs = [tensors[reference] for reference in graph.outputs]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0], name=name)


def keras_loss(spec):
    """A loss spec as a live Keras loss object."""
    import keras

    options = {field.name: getattr(spec, field.name) for field in dataclasses.fields(spec)}
    return keras.losses.get({"class_name": type(spec).__name__, "config": options})


def compile_arguments(recipe: Recipe) -> dict:
    """compile()'s loss and loss_weights for the recipe (per output for several outputs)."""
    losses = [None if spec is None else keras_loss(spec) for spec in recipe.output_losses]
    if len(losses) == 1:
        return {"loss": losses[0]}
    return {"loss": losses, "loss_weights": list(recipe.output_loss_weights)}


def fresh_compile(keras_model, recipe: Recipe) -> None:
    """Compile with the recipe's loss and a fresh optimizer (zero moments, step 0)."""
    import keras

    from lightning_port.keras_compat.optimizers import keras_optimizer_config

    keras_model.compile(optimizer=keras.optimizers.get(keras_optimizer_config(recipe.optimizer)), **compile_arguments(recipe))


def build_keras_model(recipe: Recipe, seed: int = 0):
    """The live Keras model of a recipe's specs, compiled as the recipe says (imports Keras)."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras_model_of(recipe.graph)
    give_adapted_state(model, recipe.graph, np.random.default_rng(seed))
    if recipe.trainable:
        fresh_compile(model, recipe)
    return model


def adapted_layers(keras_model, graph: Graph):
    """(kind, Keras layer) for every layer whose weights ``adapt()`` sets (the kinds that say
    how: ``adapted_state``, Normalization's statistics), nested models' included."""
    for layer in graph.layers:
        keras_layer = keras_model.get_layer(layer.name)
        inner = getattr(layer, "graph", None)
        if isinstance(inner, Graph):
            yield from adapted_layers(keras_layer, inner)
        elif hasattr(layer, "adapted_state") and keras_layer.weights:
            yield layer, keras_layer


def give_adapted_state(keras_model, graph: Graph, generator: np.random.Generator) -> None:
    """Adapted layers get values as the kind draws them (``adapted_state``), not the trivial
    ones a fresh layer has."""
    for layer, keras_layer in adapted_layers(keras_model, graph):
        keras_layer.set_weights(layer.adapted_state([tuple(weight.shape) for weight in keras_layer.weights], generator))
        keras_layer.finalize_state()


def refresh_adapted_layers(keras_model, graph: Graph) -> None:
    """Keras's adapted layers compute with a copy of their statistics made when they are
    adapted or loaded (``finalize_state``), not with their weights: after ``set_weights`` the
    copy is renewed here, before anything is traced."""
    for _, keras_layer in adapted_layers(keras_model, graph):
        keras_layer.finalize_state()


def _float64_config(config):
    """A model config with every layer's (and input's) dtype set to float64, nested ones too."""
    if isinstance(config, dict):
        if "class_name" in config and isinstance(config.get("config"), dict):
            inner = config["config"]
            if config["class_name"] != "__keras_tensor__" and "dtype" in inner or config["class_name"] == "InputLayer":
                inner["dtype"] = "float64"
        for value in config.values():
            _float64_config(value)
    elif isinstance(config, list):
        for value in config:
            _float64_config(value)
    return config


@contextlib.contextmanager
def float64_twin(keras_model, recipe: Recipe):
    """The same Keras model in float64 (same weights, fresh optimizer), for the block."""
    import keras

    config = {"class_name": type(keras_model).__name__, "config": copy.deepcopy(keras_model.get_config())}
    config = _float64_config(config)["config"]
    for layer in config.get("layers", []):
        # Not on the ops a graph may hold (the ``not_equal`` of a mask handed to a Bidirectional
        # layer): an op takes no dtype and computes in its inputs' own.
        if not str(layer.get("module", "")).startswith("keras.src.ops"):
            layer.get("config", {})["dtype"] = "float64"
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        twin = type(keras_model).from_config(config)
        twin.set_weights([weight.astype(np.float64) for weight in keras_model.get_weights()])
        refresh_adapted_layers(twin, recipe.graph)
        if recipe.trainable:
            fresh_compile(twin, recipe)
        yield twin
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")


__all__ = ["build_keras_layer", "build_keras_model", "compile_arguments", "float64_twin", "fresh_compile", "keras_loss", "keras_model_of"]
