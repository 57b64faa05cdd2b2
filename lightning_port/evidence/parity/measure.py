"""Parity of any recipe against its live Keras model: forward outputs, gradients and optimizer
steps, each float32 result judged against the float64 truth (``evidence.parity.truth``).

The float64 truth needs the same Keras model in float64: ``keras_models.float64_twin``
rebuilds it from its config with every layer's dtype set to float64, copies the weights
(exactly: float32 values are float64 values) and compiles it with the same loss and a fresh
copy of the optimizer. Used by scripts/port.py's report, the conformance table and the
random-model tests. A model with several inputs or outputs takes tuples of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lightning_port.evidence.parity.augmentation_draws import draw, has_random_layers, inject_port, injected_keras_draws
from lightning_port.evidence.parity.keras_models import float64_twin, fresh_compile
from lightning_port.evidence.parity.keras_probes import (
    as_torch_layout,
    keras_loss_and_gradients,
    keras_optimizer_steps,
    keras_targets,
    labels_of,
    mirrored_backbone,
    to_torch_inputs,
    torch_loss_and_gradients,
    torch_optimizer_steps,
)
from lightning_port.evidence.parity.truth import TruthComparison, compare, compare_exact, compare_updates
from lightning_port.layers.graph import Graph, InputRef, concrete, nested_graph
from lightning_port.spec import Recipe
from lightning_port.spec.losses import BinaryCrossentropy

OPTIMIZER_STEPS = 3
DRAW_SEED = 0  # the augmentation draws a training-mode forward pass is measured with


@dataclass(frozen=True)
class Measurement:
    quantity: str
    comparison: TruthComparison | None
    note: str = ""


def integer_input_range(graph: Graph, index: int) -> int | None:
    """The token range of input ``index`` when a layer that reads token indices (an Embedding)
    consumes it, looking into a nested model's first layer; else None."""
    for node in graph.nodes:
        if InputRef(index) not in node.references():
            continue
        layer = graph.layers[node.layer]
        inner = nested_graph(layer)
        if inner is not None:
            found = integer_input_range(inner, 0) if len(inner.inputs) == 1 else None
        else:
            found = layer.input_dim if getattr(layer, "integer_inputs", False) else None
        if found is not None:
            return found
    return None


def _select(values, rows: slice):
    return tuple(item[rows] for item in values) if isinstance(values, tuple) else values[rows]


def _length(values) -> int:
    return len(values[0]) if isinstance(values, tuple) else len(values)


def _as(values, dtype):
    return tuple(np.asarray(item).astype(dtype) for item in values) if isinstance(values, tuple) else np.asarray(values).astype(dtype)


def synthetic_data(recipe: Recipe, count: int, seed: int = 0):
    """Seeded inputs of the model's input shapes (integers in range for an Embedding) and
    targets each output's loss accepts (class indices, 0/1 values, or normal values); a
    tuple per input or output where there are several."""
    generator = np.random.default_rng(seed)
    graph = recipe.graph
    length = graph.stand_in_length()  # an axis of unknown length at a length every layer accepts
    inputs = []
    for index, graph_input in enumerate(graph.inputs):
        tokens = integer_input_range(graph, index)
        shape = concrete(graph_input.shape, length)
        if tokens is not None:
            inputs.append(generator.integers(0, tokens, size=(count, *shape)).astype(np.float32))
        else:
            inputs.append(generator.standard_normal((count, *shape)).astype(np.float32))
    targets = []
    output_shapes = graph.with_concrete_inputs(length).output_shapes  # the lengths those inputs give
    for loss, shape in zip(recipe.output_losses, (concrete(shape, length) for shape in output_shapes)):
        if loss is not None and loss.keras_name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
            targets.append(generator.integers(0, shape[-1], size=(count, *shape[:-1])))
        elif shape[-1] == 1 or isinstance(loss, BinaryCrossentropy):
            targets.append(generator.integers(0, 2, size=(count, *shape)).astype(np.float32))
        else:
            targets.append(generator.standard_normal((count, *shape)).astype(np.float32))
    return (inputs[0] if len(inputs) == 1 else tuple(inputs)), (targets[0] if len(targets) == 1 else tuple(targets))


def _numpy(values) -> dict[str, np.ndarray] | np.ndarray:
    """A tensor (or a tuple of them) as float64 arrays."""
    if isinstance(values, tuple):
        return tuple(value.detach().double().numpy() for value in values)
    return values.detach().double().numpy()


def named_outputs(recipe: Recipe, values) -> dict[str, np.ndarray]:
    """Outputs as a dict by output name (one output: "outputs"), float64."""
    if len(recipe.output_names) == 1:
        values = values[0] if isinstance(values, (tuple, list)) and len(values) == 1 else values
        return {"outputs": np.asarray(values, dtype=np.float64)}
    return {name: np.asarray(value, dtype=np.float64) for name, value in zip(recipe.output_names, values)}


def _port_outputs(backbone, inputs):
    backbone.eval()
    with torch.no_grad():
        return _numpy(backbone.probabilities(backbone(to_torch_inputs(inputs))))


def _keras_outputs(keras_model, inputs):
    return keras_model.predict(list(inputs) if isinstance(inputs, tuple) else inputs, batch_size=256, verbose=0)


def measure_parity(recipe: Recipe, keras_model, inputs, targets, steps: int = OPTIMIZER_STEPS) -> list[Measurement]:
    """Forward outputs on ``inputs``; gradients and ``steps`` optimizer steps on consecutive
    batches of the recipe's batch size (when the recipe is trainable and targets are given).
    The Keras model is recompiled with a fresh optimizer; its weights are left as found."""
    start = [weight.copy() for weight in keras_model.get_weights()]
    inputs = _as(inputs, np.float32)
    port32 = mirrored_backbone(recipe, keras_model)
    results: dict[str, dict] = {"forward": {}, "gradients": {}, "steps": {}}
    count = _length(inputs)
    size = min(recipe.batch_size, count)
    batches = []
    if targets is not None:
        for index in range(min(steps, count // size)):
            rows = slice(index * size, (index + 1) * size)
            batches.append((_select(inputs, rows), labels_of(recipe, _select(targets, rows))))

    def as64(batch_list):
        return [(_as(x, np.float64), y) for x, y in batch_list]

    def keras_batches(batch_list, dtype):
        return [(x, _as(keras_targets(recipe, y), dtype)) for x, y in batch_list]

    results["forward"]["port32"] = named_outputs(recipe, _port_outputs(port32, inputs))
    integer_outputs = _integer_outputs(port32, keras_model, inputs)
    # A training-mode forward pass is measured where it differs from inference and nothing in
    # it is drawn that cannot be given to both frameworks: BatchNormalization's batch
    # statistics, and random augmentation layers with the same draws injected into both
    # (evidence.parity.augmentation_draws); dropout masks are injected only in trajectories.
    augmented = has_random_layers(port32)
    training_mode = (uses_layer(recipe, "BatchNormalization") or augmented) and not uses_dropout(recipe)
    draws = draw(port32, size, torch.Generator().manual_seed(DRAW_SEED)) if augmented else None
    results["forward"]["keras32"] = named_outputs(recipe, _keras_outputs(keras_model, inputs))
    trainable = recipe.trainable and bool(batches)
    if trainable:
        fresh_compile(keras_model, recipe)
        (x, y), = keras_batches(batches[:1], np.float32)
        _, keras_gradients32 = keras_loss_and_gradients(keras_model, x, y)
        _, port_gradients32 = torch_loss_and_gradients(recipe, port32, *batches[0])
        results["gradients"]["port32"], results["gradients"]["keras32"] = port_gradients32, as_torch_layout(port32, keras_gradients32)
        before = {name: p.detach().double().numpy().copy() for name, p in mirrored_backbone(recipe, keras_model).named_parameters()}
        keras_after32 = keras_optimizer_steps(keras_model, keras_batches(batches, np.float32))
        results["steps"]["keras32"] = [as_torch_layout(port32, weights) for weights in keras_after32]
        results["steps"]["port32"] = torch_optimizer_steps(recipe, port32, batches)
        keras_model.set_weights(start)
    with float64_twin(keras_model, recipe) as twin:
        port64 = mirrored_backbone(recipe, twin)
        inputs64 = _as(inputs, np.float64)
        results["forward"]["keras64"] = named_outputs(recipe, _keras_outputs(twin, inputs64))
        results["forward"]["port64"] = named_outputs(recipe, _port_outputs(port64, inputs64))
        if trainable:
            (x, y), = keras_batches(as64(batches[:1]), np.float64)
            _, keras_gradients64 = keras_loss_and_gradients(twin, x, y)
            _, port_gradients64 = torch_loss_and_gradients(recipe, port64, *as64(batches[:1])[0])
            results["gradients"]["keras64"], results["gradients"]["port64"] = as_torch_layout(port64, keras_gradients64), port_gradients64
            keras_after64 = keras_optimizer_steps(twin, keras_batches(as64(batches), np.float64))
            results["steps"]["keras64"] = [as_torch_layout(port64, weights) for weights in keras_after64]
            results["steps"]["port64"] = torch_optimizer_steps(recipe, port64, as64(batches))
        if training_mode:  # last: a training-mode pass updates the moving statistics
            twin.set_weights([weight.astype(np.float64) for weight in start])
            results["training"] = {"port64": _port_training_forward(recipe, mirrored_backbone(recipe, twin), _select(inputs64, slice(0, size)), draws)}
            results["training"]["keras64"] = keras_training_forward(recipe, twin, _select(inputs64, slice(0, size)), port64, draws)
    keras_model.set_weights(start)
    if training_mode:
        results["training"]["port32"] = _port_training_forward(recipe, mirrored_backbone(recipe, keras_model), _select(inputs, slice(0, size)), draws)
        results["training"]["keras32"] = keras_training_forward(recipe, keras_model, _select(inputs, slice(0, size)), port32, draws)
        keras_model.set_weights(start)

    order = ("port32", "keras32", "port64", "keras64")
    if integer_outputs:
        forward = Measurement("forward outputs (integers, exact)", compare_exact(*(results["forward"][key] for key in order)), f"{count} samples; {integer_outputs}")
    else:
        forward = Measurement("forward outputs", compare(*(results["forward"][key] for key in order)), f"{count} samples")
    measurements = [forward]
    if training_mode:
        parts = (["BatchNormalization"] if uses_layer(recipe, "BatchNormalization") else []) + (["injected augmentation draws"] if augmented else [])
        note = "; ".join((["batch statistics and the updated moving mean and variance"] if uses_layer(recipe, "BatchNormalization") else []) + ([f"the same draws in both frameworks, {size} samples"] if augmented else []))
        measurements.append(Measurement(f"training-mode forward ({', '.join(parts)})", compare(*(results["training"][key] for key in order)), note))
    if not trainable:
        reason = "no compile() config" if not recipe.trainable else "no targets"
        return measurements + [Measurement("gradients", None, f"not measured: {reason}"), Measurement(f"{steps} optimizer steps", None, f"not measured: {reason}")]
    measurements.append(Measurement("gradients", compare(*(results["gradients"][key] for key in order)), f"one batch of {size}"))
    keyed = {key: {f"step {index}/{name}": value for index, weights in enumerate(results["steps"][key], start=1) for name, value in weights.items()} for key in order}
    before_keyed = {f"step {index}/{name}": value for index in range(1, len(batches) + 1) for name, value in before.items()}
    optimizer = type(recipe.optimizer).__name__
    measurements.append(Measurement(f"{len(batches)} optimizer steps (update)", compare_updates(before_keyed, *(keyed[key] for key in order)), f"{optimizer}, batches of {size}"))
    return measurements


def uses_layer(recipe: Recipe, keras_class: str) -> bool:
    return any(layer.keras_class == keras_class for layer in recipe.graph.walk_layers())


def uses_dropout(recipe: Recipe) -> bool:
    return any(layer.keras_class in ("Dropout", "SpatialDropout2D") and layer.rate > 0 for layer in recipe.graph.walk_layers())


def _integer_outputs(backbone, keras_model, inputs) -> str:
    """For a model with integer outputs, their dtypes (compared exactly); '' otherwise. The
    dtypes must be Keras's: a difference raises."""
    backbone.eval()
    sample = _select(inputs, slice(0, 1))
    with torch.no_grad():
        outputs = backbone(to_torch_inputs(sample))
    port = [str(output.dtype).replace("torch.", "") for output in (outputs if isinstance(outputs, tuple) else (outputs,))]
    if all(dtype.startswith("float") for dtype in port):
        return ""
    keras = [str(np.asarray(output).dtype) for output in _as_list(_keras_outputs(keras_model, sample))]
    if port != keras:
        raise AssertionError(f"output dtypes differ: the port's {port}, Keras's {keras}")
    return f"{', '.join(port)} outputs in both frameworks"


def _as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def keras_training_forward(recipe: Recipe, keras_model, inputs, layout_backbone, draws=None) -> dict[str, np.ndarray]:
    """Outputs of a training-mode forward pass and every weight after it (the moving
    statistics it updated), in the port's layout; ``draws``: the random layers' draws."""
    if draws is not None:
        with injected_keras_draws(layout_backbone, keras_model) as set_draws:
            set_draws(draws)
            return keras_training_forward(recipe, keras_model, inputs, layout_backbone)
    outputs = keras_model(list(inputs) if isinstance(inputs, tuple) else inputs, training=True)
    outputs = [np.asarray(value) for value in outputs] if isinstance(outputs, (list, tuple)) else np.asarray(outputs)
    weights = as_torch_layout(layout_backbone, keras_model.get_weights())
    return {**named_outputs(recipe, outputs), **{f"after/{name}": value for name, value in weights.items()}}


def _port_training_forward(recipe: Recipe, backbone, inputs, draws=None) -> dict[str, np.ndarray]:
    backbone.train()
    if draws is not None:
        inject_port(backbone, draws)
    with torch.no_grad():
        outputs = _numpy(backbone.probabilities(backbone(to_torch_inputs(inputs))))
    state = {name: tensor.detach().double().numpy() for name, tensor in backbone.state_dict().items()}
    return {**named_outputs(recipe, outputs), **{f"after/{name}": value for name, value in state.items()}}
