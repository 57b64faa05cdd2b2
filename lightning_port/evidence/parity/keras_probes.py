"""Measurements on the live Keras reference (TensorFlow backend) that the parity suite
holds the port against: losses, gradients and optimizer steps from identical weights.

A model with several inputs or outputs takes a tuple of arrays where one takes an array (in
the graph's input and output order). Keras is imported lazily; call
``keras_reference.backend.select_backend("tensorflow")`` before using these.
"""

from __future__ import annotations

import weakref

import numpy as np
import torch

from lightning_port.keras_compat.losses import as_class_indices, loss_function, targets_are_class_indices
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.models import KerasModel, build_backbone
from lightning_port.models.keras_weights import export_keras_weights, keras_to_state_dict, load_keras_weights
from lightning_port.spec import Recipe
from lightning_port.spec.losses import CategoricalCrossentropy, SparseCategoricalCrossentropy
from lightning_port.training.compiled_step import CompiledTrainingStep


def relative_difference(ours: np.ndarray, reference: np.ndarray) -> float:
    """max |ours - reference| / max |reference|: relative to the tensor's scale, so entries
    near zero do not blow it up."""
    scale = float(np.max(np.abs(reference)))
    error = float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - reference)))
    return error / scale if scale else error


def _per_output(recipe: Recipe, labels, convert):
    """Apply ``convert(labels, loss, units)`` to each output's labels (a tuple for several)."""
    losses, shapes = recipe.output_losses, recipe.output_shapes
    if len(losses) == 1:
        return convert(labels, losses[0], shapes[0][-1])
    return tuple(convert(values, loss, shape[-1]) for values, loss, shape in zip(labels, losses, shapes))


def labels_of(recipe: Recipe, targets):
    """Targets as the port trains on them: class indices for a categorical loss, else as given."""
    def convert(values, loss, units):
        return as_class_indices(values, units) if targets_are_class_indices(loss) else np.asarray(values)

    return _per_output(recipe, targets, convert)


def keras_targets(recipe: Recipe, labels):
    """What the Keras model is fit on: one-hot rows for a categorical crossentropy, class
    indices for a sparse one, the values themselves (as a column for one output) otherwise."""
    def convert(values, loss, units):
        if isinstance(loss, CategoricalCrossentropy):
            return np.eye(units, dtype=np.float32)[np.asarray(values).astype(np.int64)]
        if isinstance(loss, SparseCategoricalCrossentropy):
            return np.asarray(values).astype(np.int64)
        values = np.asarray(values).astype(np.float32)
        return values.reshape(-1, 1) if values.ndim == 1 else values

    return _per_output(recipe, labels, convert)


def torch_targets(recipe: Recipe, labels):
    def convert(values, loss, units):
        if targets_are_class_indices(loss):
            return torch.from_numpy(np.asarray(values).astype(np.int64))
        return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))

    return _per_output(recipe, labels, convert)


def to_torch_inputs(inputs):
    """Arrays in Keras's layout (the backbone takes it): a tensor, or a tuple for several inputs."""
    if isinstance(inputs, (tuple, list)):
        return tuple(torch.from_numpy(np.ascontiguousarray(item)) for item in inputs)
    return torch.from_numpy(np.ascontiguousarray(inputs))


def mirrored_backbone(recipe: Recipe, keras_model) -> KerasModel:
    """A torch backbone holding the Keras model's current weights, in the Keras model's dtype."""
    backbone = build_backbone(recipe)
    weights = keras_model.get_weights()
    if weights and weights[0].dtype == np.float64:
        backbone = backbone.double()
    load_keras_weights(backbone, weights)
    return backbone


_TRACED_GRADIENTS = weakref.WeakKeyDictionary()  # one traced function per Keras model


def _constants(value):
    import tensorflow as tf

    return tuple(tf.constant(item) for item in value) if isinstance(value, tuple) else tf.constant(value)


def keras_loss_and_gradients(keras_model, inputs, targets):
    """Loss and gradients exactly as Keras's train step computes them (dropout off)."""
    import tensorflow as tf

    loss, gradients = _keras_raw_loss_and_gradients(keras_model, inputs, targets)
    # An Embedding's gradient comes as IndexedSlices (the rows looked up): made dense here.
    return loss, [tf.convert_to_tensor(gradient).numpy() for gradient in gradients]


def _keras_raw_loss_and_gradients(keras_model, inputs, targets):
    """The loss and the gradients as Keras's train step hands them to its optimizer: an
    Embedding's as IndexedSlices, one row per looked-up token."""
    import tensorflow as tf

    compute = _TRACED_GRADIENTS.get(keras_model)
    if compute is None:

        @tf.function(reduce_retracing=True)
        def compute(x, y):
            with tf.GradientTape() as tape:
                predictions = keras_model(x, training=False)
                loss = keras_model.compute_loss(x=x, y=y, y_pred=predictions)
            return loss, tape.gradient(loss, keras_model.trainable_variables)

        _TRACED_GRADIENTS[keras_model] = compute
    loss, gradients = compute(_constants(inputs), _constants(targets))
    return float(loss), gradients


def torch_loss_and_gradients(recipe: Recipe, backbone: KerasModel, inputs, labels):
    backbone.eval()  # dropout off, as on the Keras side
    backbone.zero_grad(set_to_none=True)
    loss = loss_function(recipe)(backbone(to_torch_inputs(inputs)), torch_targets(recipe, labels))
    loss.backward()
    return loss.item(), {name: parameter.grad.detach().numpy() for name, parameter in backbone.named_parameters() if parameter.grad is not None}


def keras_optimizer_steps(keras_model, batches) -> list[list[np.ndarray]]:
    """Apply the compiled Keras optimizer to gradients of each batch; weights after each step."""
    import tensorflow as tf

    snapshots = []
    for inputs, targets in batches:
        # As Keras's train step applies them: an Embedding's gradient as its rows per token
        # (the optimizers square those rows before summing them, ops.token_gradients).
        _, gradients = _keras_raw_loss_and_gradients(keras_model, inputs, targets)
        keras_model.optimizer.apply_gradients(zip(gradients, keras_model.trainable_variables))
        snapshots.append([w.copy() for w in keras_model.get_weights()])
    return snapshots


def torch_optimizer_steps(recipe: Recipe, backbone: KerasModel, batches, compiled: bool = False) -> list[dict[str, np.ndarray]]:
    """Weights after each step; ``compiled``: through the ``--compile`` training step."""
    optimizer = build_optimizer(recipe.optimizer, backbone.parameters())
    if compiled:
        backbone.eval()  # dropout off, as on the Keras side
        step = CompiledTrainingStep(backbone, optimizer, loss_function(recipe))
    snapshots = []
    for inputs, labels in batches:
        if compiled:
            step(to_torch_inputs(inputs), torch_targets(recipe, labels))
        else:
            torch_loss_and_gradients(recipe, backbone, inputs, labels)
            optimizer.step()
        snapshots.append({name: p.detach().numpy().copy() for name, p in backbone.named_parameters()})
    return snapshots


def as_torch_layout(backbone: KerasModel, keras_arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Keras weights (get_weights() order) or gradients (trainable_weights order, fewer arrays
    when a layer has non-trainable weights) rearranged into the backbone's layout."""
    trainable_only = len(keras_arrays) != len(export_keras_weights(backbone))
    return {name: tensor.numpy() for name, tensor in keras_to_state_dict(backbone, keras_arrays, trainable_only).items()}


def untie_optimizer(keras_model):
    """Recompile with a fresh copy of the compiled optimizer (zero moments, step 0)."""
    optimizer = type(keras_model.optimizer).from_config(keras_model.optimizer.get_config())
    keras_model.compile(optimizer=optimizer, loss=keras_model.loss)
    return keras_model
