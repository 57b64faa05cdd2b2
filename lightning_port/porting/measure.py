"""Parity of any recipe against its live Keras model: forward outputs, gradients and optimizer
steps, each float32 result judged against the float64 truth (``evidence.parity.truth``).

The float64 truth needs the same Keras model in float64: ``float64_twin`` rebuilds it from its
config with every layer's dtype set to float64, copies the weights (exactly: float32 values
are float64 values) and compiles it with the same loss and a fresh copy of the optimizer.
Used by scripts/port.py's report, the conformance table and the random-model tests.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass

import numpy as np
import torch

from lightning_port.data.datamodule import class_indices
from lightning_port.evidence.parity.keras_probes import (
    as_torch_layout,
    keras_loss_and_gradients,
    keras_optimizer_steps,
    keras_targets,
    mirrored_backbone,
    to_torch_inputs,
    torch_loss_and_gradients,
    torch_optimizer_steps,
)
from lightning_port.evidence.parity.truth import TruthComparison, compare, compare_updates
from lightning_port.spec import Recipe
from lightning_port.spec.layers import Embedding

OPTIMIZER_STEPS = 3


@dataclass(frozen=True)
class Measurement:
    quantity: str
    comparison: TruthComparison | None
    note: str = ""


def synthetic_data(recipe: Recipe, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded inputs of the model's input shape (integers in range for an Embedding) and
    targets the loss accepts (class indices, 0/1 values, or normal values)."""
    generator = np.random.default_rng(seed)
    first = recipe.layers[0]
    if isinstance(first, Embedding):
        inputs = generator.integers(0, first.input_dim, size=(count, *recipe.input_shape)).astype(np.float32)
    else:
        inputs = generator.standard_normal((count, *recipe.input_shape)).astype(np.float32)
    output_shape = recipe.summary()[-1].output_shape
    if recipe.targets_are_class_indices:
        targets = generator.integers(0, recipe.output_units, size=(count, *output_shape[:-1]))
    elif recipe.output_units == 1 or (recipe.loss_spec is not None and recipe.loss_spec.keras_name == "binary_crossentropy"):
        targets = generator.integers(0, 2, size=(count, *output_shape)).astype(np.float32)
    else:
        targets = generator.standard_normal((count, *output_shape)).astype(np.float32)
    return inputs, targets


@contextlib.contextmanager
def float64_twin(keras_model, recipe: Recipe):
    """The same Keras model in float64 (same weights, fresh optimizer), for the block."""
    import keras

    from lightning_port.keras_compat.optimizers import keras_optimizer_config

    config = copy.deepcopy(keras_model.get_config())
    for layer in config["layers"]:
        layer["config"]["dtype"] = "float64"
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        twin = keras.Sequential.from_config(config)
        twin.set_weights([weight.astype(np.float64) for weight in keras_model.get_weights()])
        if recipe.trainable:
            twin.compile(optimizer=keras.optimizers.get(keras_optimizer_config(recipe.optimizer)), loss=_keras_loss(recipe))
        yield twin
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")


def _keras_loss(recipe: Recipe):
    """The recipe's loss as a live Keras loss object."""
    import dataclasses

    import keras

    spec = recipe.loss_spec
    options = {field.name: getattr(spec, field.name) for field in dataclasses.fields(spec)}
    return keras.losses.get({"class_name": type(spec).__name__, "config": options})


def _fresh_compile(keras_model, recipe: Recipe) -> None:
    import keras

    from lightning_port.keras_compat.optimizers import keras_optimizer_config

    keras_model.compile(optimizer=keras.optimizers.get(keras_optimizer_config(recipe.optimizer)), loss=_keras_loss(recipe))


def _port_outputs(backbone, inputs) -> np.ndarray:
    backbone.eval()
    with torch.no_grad():
        return backbone.probabilities(backbone(to_torch_inputs(inputs))).double().numpy()


def measure_parity(recipe: Recipe, keras_model, inputs: np.ndarray, targets: np.ndarray | None, steps: int = OPTIMIZER_STEPS) -> list[Measurement]:
    """Forward outputs on ``inputs``; gradients and ``steps`` optimizer steps on consecutive
    batches of the recipe's batch size (when the recipe is trainable and targets are given).
    The Keras model is recompiled with a fresh optimizer; its weights are left as found."""
    start = [weight.copy() for weight in keras_model.get_weights()]
    inputs = np.asarray(inputs, dtype=np.float32)
    port32 = mirrored_backbone(recipe, keras_model)
    results: dict[str, dict] = {"forward": {}, "gradients": {}, "steps": {}}
    size = min(recipe.batch_size, len(inputs))
    batches = [(inputs[i * size : (i + 1) * size], targets[i * size : (i + 1) * size]) for i in range(min(steps, len(inputs) // size))] if targets is not None else []
    labels_of = (lambda values: class_indices(recipe, values)) if recipe.targets_are_class_indices else (lambda values: values)

    results["forward"]["port32"] = _port_outputs(port32, inputs)
    training_mode = _has_batch_norm(recipe) and not _has_dropout(recipe)
    results["forward"]["keras32"] = np.asarray(keras_model.predict(inputs, batch_size=256, verbose=0), dtype=np.float64)
    trainable = recipe.trainable and bool(batches)
    if trainable:
        _fresh_compile(keras_model, recipe)
        x, y = batches[0]
        keras_loss32, keras_gradients32 = keras_loss_and_gradients(keras_model, x, keras_targets(recipe, labels_of(y)))
        _, port_gradients32 = torch_loss_and_gradients(recipe, port32, x, labels_of(y))
        results["gradients"]["port32"], results["gradients"]["keras32"] = port_gradients32, as_torch_layout(port32, keras_gradients32)
        before = {name: p.detach().double().numpy().copy() for name, p in mirrored_backbone(recipe, keras_model).named_parameters()}
        keras_after32 = keras_optimizer_steps(keras_model, [(x, keras_targets(recipe, labels_of(y))) for x, y in batches])
        port_after32 = torch_optimizer_steps(recipe, port32, batches_for_port(batches, labels_of))
        results["steps"]["keras32"] = [as_torch_layout(port32, weights) for weights in keras_after32]
        results["steps"]["port32"] = port_after32
        keras_model.set_weights(start)
    with float64_twin(keras_model, recipe) as twin:
        port64 = mirrored_backbone(recipe, twin)
        inputs64 = inputs.astype(np.float64)
        results["forward"]["keras64"] = np.asarray(twin.predict(inputs64, batch_size=256, verbose=0), dtype=np.float64)
        results["forward"]["port64"] = _port_outputs(port64, inputs64)
        if trainable:
            x, y = batches[0]
            _, keras_gradients64 = keras_loss_and_gradients(twin, x.astype(np.float64), keras_targets(recipe, labels_of(y)).astype(np.float64))
            _, port_gradients64 = torch_loss_and_gradients(recipe, port64, x.astype(np.float64), labels_of(y))
            results["gradients"]["keras64"], results["gradients"]["port64"] = as_torch_layout(port64, keras_gradients64), port_gradients64
            batches64 = [(x.astype(np.float64), y) for x, y in batches]
            keras_after64 = keras_optimizer_steps(twin, [(x, keras_targets(recipe, labels_of(y)).astype(np.float64)) for x, y in batches64])
            results["steps"]["keras64"] = [as_torch_layout(port64, weights) for weights in keras_after64]
            results["steps"]["port64"] = torch_optimizer_steps(recipe, port64, batches_for_port(batches64, labels_of))
        if training_mode:  # last: a training-mode pass updates the moving statistics
            twin.set_weights([weight.astype(np.float64) for weight in start])
            results["training"] = {"port64": _port_training_forward(mirrored_backbone(recipe, twin), inputs64[:size])}
            results["training"]["keras64"] = _keras_training_forward(twin, inputs64[:size], port64)
    keras_model.set_weights(start)
    if training_mode:
        results["training"]["port32"] = _port_training_forward(mirrored_backbone(recipe, keras_model), inputs[:size])
        results["training"]["keras32"] = _keras_training_forward(keras_model, inputs[:size], port32)
        keras_model.set_weights(start)

    order = ("port32", "keras32", "port64", "keras64")
    measurements = [Measurement("forward outputs", compare(*({"outputs": results["forward"][key]} for key in order)), f"{len(inputs)} samples")]
    if training_mode:
        note = "batch statistics and the updated moving mean and variance"
        measurements.append(Measurement("training-mode forward (BatchNormalization)", compare(*(results["training"][key] for key in order)), note))
    if not trainable:
        reason = "no compile() config" if not recipe.trainable else "no targets"
        return measurements + [Measurement("gradients", None, f"not measured: {reason}"), Measurement(f"{steps} optimizer steps", None, f"not measured: {reason}")]
    measurements.append(Measurement("gradients", compare(*(results["gradients"][key] for key in order)), f"one batch of {size}"))
    keyed = {key: {f"step {index}/{name}": value for index, weights in enumerate(results["steps"][key], start=1) for name, value in weights.items()} for key in order}
    before_keyed = {f"step {index}/{name}": value for index in range(1, len(batches) + 1) for name, value in before.items()}
    optimizer = type(recipe.optimizer).__name__
    measurements.append(Measurement(f"{len(batches)} optimizer steps (update)", compare_updates(before_keyed, *(keyed[key] for key in order)), f"{optimizer}, batches of {size}"))
    return measurements


def _has_batch_norm(recipe: Recipe) -> bool:
    from lightning_port.spec.layers import BatchNormalization

    return any(isinstance(layer, BatchNormalization) for layer in recipe.layers)


def _has_dropout(recipe: Recipe) -> bool:
    from lightning_port.spec.layers import Dropout, SpatialDropout2D

    return any(isinstance(layer, (Dropout, SpatialDropout2D)) and layer.rate > 0 for layer in recipe.layers)


def _keras_training_forward(keras_model, inputs, layout_backbone) -> dict[str, np.ndarray]:
    """Outputs of a training-mode forward pass and every weight after it (the moving
    statistics it updated), in the port's layout."""
    outputs = np.asarray(keras_model(inputs, training=True), dtype=np.float64)
    weights = as_torch_layout(layout_backbone, keras_model.get_weights())
    return {"outputs": outputs, **{f"after/{name}": value for name, value in weights.items()}}


def _port_training_forward(backbone, inputs) -> dict[str, np.ndarray]:
    backbone.train()
    with torch.no_grad():
        outputs = backbone.probabilities(backbone(to_torch_inputs(inputs))).double().numpy()
    state = {name: tensor.detach().double().numpy() for name, tensor in backbone.state_dict().items()}
    return {"outputs": outputs, **{f"after/{name}": value for name, value in state.items()}}


def batches_for_port(batches, labels_of) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x, labels_of(y)) for x, y in batches]
