"""Training trajectories of both frameworks from identical weights on identical batches, with
the randomness injected: the same augmentation parameters and the same dropout masks.

A training step draws random numbers (augmentation parameters, dropout masks) from each
framework's own generator, so two real runs can only be compared statistically. Here the
draws are made once, by ``draw_randomness``, and fed to both: each framework augments the
batch with its own implementation (Keras's ``ImageDataGenerator.apply_transform``, the
port's ``keras_compat.augmentation``) and its Dropout layers multiply by the given mask
instead of drawing one. Recurrent layers' ``dropout`` and ``recurrent_dropout`` masks (one
per sequence, or one per gate where Keras's cell uses one per gate) are injected the same
way: Keras's cells return them from ``get_dropout_mask`` / ``get_recurrent_dropout_mask``, the
port's recurrent modules take them through ``Recurrence.injected_masks``. Everything else is the framework's own training step: Keras's
forward in training mode, ``compute_loss``, ``GradientTape`` and its compiled optimizer's
``apply_gradients``; the port's backbone, Keras-rule loss, ``backward`` and Keras-rule
optimizer. Run in float32 and in float64, the four trajectories feed the float64-truth
criterion (``truth.py``): per-step losses and the weights' total update.

Keras is imported lazily; call ``keras_reference.backend.select_backend("tensorflow")`` first.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lightning_port.evidence.parity.augmentation_draws import draw, has_random_layers, inject_port, injected_keras_draws
from lightning_port.keras_compat.augmentation import apply_transform
from lightning_port.keras_compat.losses import loss_function
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.models import KerasModel, build_backbone
from lightning_port.spec import Recipe


@dataclass
class Randomness:
    """One trajectory's draws: per step, each image's augmentation parameters (or None), one
    keep-mask per Dropout layer (booleans, in Keras's layout), the draws of the model's own
    random augmentation layers (per random layer call, the arrays Keras's ``random.uniform``
    calls return; ``augmentation_draws``), or None without such layers, and, per recurrent
    cell, its input and recurrent keep-masks ((count, batch, width) booleans, or None)."""

    augmentation: list[dict[str, np.ndarray]] | None
    dropout: list[list[np.ndarray]]
    layer_draws: list[list[list[np.ndarray]]] | None = None
    recurrent: list[list[tuple[np.ndarray | None, np.ndarray | None]]] = field(default_factory=list)


@dataclass
class Trajectory:
    losses: np.ndarray  # per step, float64
    # Weights (torch layout, float64) after every ``checkpoint_every`` steps and the last one.
    checkpoints: list[dict[str, np.ndarray]]


def checkpoint_steps(steps: int) -> list[int]:
    """The steps after which a trajectory records the weights: ten along the way and the last."""
    every = max(1, steps // 10)
    return sorted({*range(every, steps + 1, every), steps})


def draw_randomness(recipe: Recipe, steps: int, batch_size: int, seed: int = 0) -> Randomness:
    """The augmentation parameters (ranges as ImageDataGenerator draws them) and dropout keep
    masks of ``steps`` steps, from one seeded generator."""
    generator = np.random.default_rng(seed)
    augmentation = None
    spec = recipe.augmentation
    if spec is not None:
        height, width = recipe.input_shape[:2]
        augmentation = []
        for _ in range(steps):
            def uniform(limit):
                return generator.uniform(-limit, limit, batch_size)

            augmentation.append({
                "theta": uniform(spec.rotation_range),
                "tx": uniform(spec.height_shift_range) * height,
                "ty": uniform(spec.width_shift_range) * width,
                "flip_horizontal": (generator.random(batch_size) < 0.5) & spec.horizontal_flip,
            })
    dropout = [[generator.random((batch_size, *shape)) >= rate for rate, shape in dropout_calls(recipe)] for _ in range(steps)]
    layer_draws = None
    backbone = build_backbone(recipe)
    if has_random_layers(backbone):
        # The port's own samplers (Keras's ranges and shapes), from a stream of their own.
        torch_generator = torch.Generator().manual_seed(seed)
        layer_draws = [draw(backbone, batch_size, torch_generator) for _ in range(steps)]
    cells = recurrent_cells(recipe)
    recurrent = []
    for _ in range(steps):
        step = []
        for cell in cells:
            masks = []
            for rate, width in ((cell.dropout, cell.features), (cell.recurrent_dropout, cell.units)):
                masks.append(generator.random((cell.count, batch_size, width)) >= rate if 0.0 < rate < 1.0 else None)
            step.append(tuple(masks))
        recurrent.append(step)
    return Randomness(augmentation, dropout, layer_draws, recurrent)


@dataclass(frozen=True)
class RecurrentCell:
    """One recurrent cell with dropout, in the order both frameworks run them: the layer's
    name (a Bidirectional's, with ``direction`` "forward" or "backward"), its rates, widths,
    and how many masks its cell uses (one per gate with recurrent dropout, as Keras's
    ``implementation=1`` cells)."""

    layer: str
    direction: str | None
    dropout: float
    recurrent_dropout: float
    features: int
    units: int
    count: int


def recurrent_cells(recipe: Recipe) -> list[RecurrentCell]:
    """Every recurrent cell of the top-level graph that draws dropout masks, in evaluation
    order (a Bidirectional layer's forward cell, then its backward one)."""
    graph = recipe.graph
    shapes = graph.node_outputs()
    found = []
    seen = set()
    for node in graph.nodes:
        layer = graph.layers[node.layer]
        features = graph.node_input_shape(node, shapes)
        for direction, cell in layer.recurrent_cells():
            if not (0.0 < cell.dropout < 1.0 or 0.0 < cell.recurrent_dropout < 1.0):
                continue
            if layer.name in seen and direction in (None, "forward"):
                raise ValueError(f"{layer.name} is called more than once: each call draws its own dropout masks, which the trajectories do not inject")
            seen.add(layer.name)
            count = cell.gates if cell.recurrent_dropout > 0 and cell.module_class.masks_per_gate else 1
            found.append(RecurrentCell(layer.name, direction, cell.dropout, cell.recurrent_dropout, features[-1], cell.units, count))
    return found


def _scaled_cell_masks(recipe: Recipe, step_masks, dtype) -> list[tuple]:
    """Each cell's keep masks scaled by 1 / (1 - rate), as a list per kind of mask (None where
    the cell draws none)."""
    scaled = []
    for cell, (input_keep, recurrent_keep) in zip(recurrent_cells(recipe), step_masks):
        pair = []
        for keep, rate in ((input_keep, cell.dropout), (recurrent_keep, cell.recurrent_dropout)):
            pair.append(None if keep is None else [mask.astype(dtype) / dtype(1 - rate) for mask in keep])
        scaled.append(tuple(pair))
    return scaled


def dropout_calls(recipe: Recipe) -> list[tuple[float, tuple[int, ...]]]:
    """(rate, output shape) of every Dropout call of the top-level graph, in evaluation order:
    the order both frameworks' Dropout layers run in within a step."""
    graph = recipe.graph
    shapes = graph.node_outputs()
    return [
        (graph.layers[node.layer].rate, shapes[(node.layer, node.index)][0])
        for node in graph.nodes
        if graph.layers[node.layer].keras_class == "Dropout"
    ]


def _dropout_rates(recipe: Recipe) -> list[float]:
    return [rate for rate, _ in dropout_calls(recipe)]


def _scaled_masks(recipe: Recipe, keep_masks: list[np.ndarray], dtype) -> list[np.ndarray]:
    """Keep masks scaled by 1 / (1 - rate), as inverted dropout scales what it keeps."""
    return [keep.astype(dtype) / dtype(1 - rate) for keep, rate in zip(keep_masks, _dropout_rates(recipe))]


# ---- Keras ----

def keras_augment(generator, images: np.ndarray, parameters: dict[str, np.ndarray]) -> np.ndarray:
    """ImageDataGenerator.apply_transform per image, with the given parameters."""
    return np.stack([
        generator.apply_transform(image, {key: parameters[key][index] for key in ("theta", "tx", "ty", "flip_horizontal")})
        for index, image in enumerate(images)
    ]).astype(images.dtype)


@contextlib.contextmanager
def _injected_keras_dropout(keras_model):
    """Dropout layers that multiply by the next of the step's masks instead of drawing one
    (``masks``: set before each traced call; the calls take them in the order they run)."""
    import keras

    layers = [layer for layer in keras_model.layers if isinstance(layer, keras.layers.Dropout)]
    state = {"masks": [], "next": 0}

    def call(inputs, training=None):
        mask = state["masks"][state["next"]]
        state["next"] += 1
        return inputs * mask

    for layer in layers:
        layer.call = call
    try:
        yield state
    finally:
        for layer in layers:
            del layer.call


@contextlib.contextmanager
def _injected_keras_cells(recipe: Recipe, keras_model):
    """Recurrent cells whose dropout masks are the next step's given ones (``masks``: one
    (input masks, recurrent masks) pair per cell, each a list of tensors or None, set before
    each traced call). A cell returns one tensor where it uses one mask, a list where it uses
    one per gate, as its own ``_create_dropout_mask`` would."""
    state = {"masks": []}
    cells = []
    for index, cell in enumerate(recurrent_cells(recipe)):
        layer = keras_model.get_layer(cell.layer)
        if cell.direction is not None:
            layer = layer.forward_layer if cell.direction == "forward" else layer.backward_layer
        cells.append((index, layer.cell, cell.count))

    def getter(index: int, kind: int, count: int):
        def get(step_input):
            masks = state["masks"][index][kind]
            if masks is None:
                return None
            return masks[0] if count == 1 else list(masks)

        return get

    for index, cell, count in cells:
        cell.get_dropout_mask = getter(index, 0, count)
        cell.get_recurrent_dropout_mask = getter(index, 1, count)
    try:
        yield state
    finally:
        for _, cell, _ in cells:
            del cell.get_dropout_mask, cell.get_recurrent_dropout_mask


def keras_trajectory(recipe: Recipe, keras_model, batches, randomness: Randomness, image_generator=None) -> Trajectory:
    """Keras's own train step (training-mode forward, compute_loss, GradientTape, the compiled
    optimizer's apply_gradients), one traced function for every step. ``batches``: (inputs,
    class labels) pairs; the weights come back in the port's layout."""
    import tensorflow as tf

    from lightning_port.evidence.parity.keras_probes import as_torch_layout, keras_targets

    dtype = keras_model.get_weights()[0].dtype.type
    losses = []
    layout_backbone = build_backbone(recipe)
    with _injected_keras_dropout(keras_model) as dropout_state, injected_keras_draws(layout_backbone, keras_model) as set_draws, _injected_keras_cells(recipe, keras_model) as cell_state:

        @tf.function
        def step(x, y, masks, draws, cell_masks):
            dropout_state["masks"], dropout_state["next"] = masks, 0
            set_draws(draws)  # traced once: the draws are this function's arguments
            cell_state["masks"] = cell_masks
            with tf.GradientTape() as tape:
                predictions = keras_model(x, training=True)
                loss = keras_model.compute_loss(x=x, y=y, y_pred=predictions)
            gradients = tape.gradient(loss, keras_model.trainable_variables)
            keras_model.optimizer.apply_gradients(zip(gradients, keras_model.trainable_variables))
            return loss

        recorded = checkpoint_steps(len(batches))
        checkpoints = []
        for index, (inputs, labels) in enumerate(batches):
            inputs, targets = inputs.astype(dtype), keras_targets(recipe, labels)
            if randomness.augmentation is not None:
                inputs = keras_augment(image_generator, inputs, randomness.augmentation[index])
            masks = [tf.constant(mask) for mask in _scaled_masks(recipe, randomness.dropout[index], dtype)]
            draws = [[tf.constant(value) for value in call] for call in (randomness.layer_draws[index] if randomness.layer_draws else [])]
            cell_masks = [
                tuple(None if kind is None else [tf.constant(mask) for mask in kind] for kind in pair)
                for pair in _scaled_cell_masks(recipe, randomness.recurrent[index] if randomness.recurrent else [], dtype)
            ]
            losses.append(float(step(tf.constant(inputs), tf.constant(targets.astype(dtype)), masks, draws, cell_masks)))
            if index + 1 in recorded:
                layout = as_torch_layout(layout_backbone, keras_model.get_weights())
                checkpoints.append({name: np.asarray(value, dtype=np.float64) for name, value in layout.items()})
    return Trajectory(np.array(losses), checkpoints)


# ---- the port ----

def port_trajectory(recipe: Recipe, backbone: KerasModel, batches, randomness: Randomness, compiled: bool = False) -> Trajectory:
    """The port's training step: backbone forward in training mode with the given dropout
    masks, Keras-rule loss, backward and the Keras-rule optimizer (or ``--compile``'s graph)."""
    dtype = next(backbone.parameters()).dtype
    numpy_dtype = np.float64 if dtype == torch.float64 else np.float32
    optimizer = build_optimizer(recipe.optimizer, backbone.parameters())
    dropouts = [module for module in backbone.modules() if isinstance(module, nn.Dropout)]
    current: list[torch.Tensor] = []
    position = [0]  # the next call's mask: Dropout calls run in the graph's order

    def inject(module, arguments, output):
        mask = current[position[0]]
        position[0] += 1
        return arguments[0] * mask

    handles = [module.register_forward_hook(inject) for module in dropouts]
    cells = _port_cells(recipe, backbone)
    current_cells: list = []
    for index, module in enumerate(cells):
        module.injected_masks = lambda module, inputs, recurrent, index=index: current_cells[index]
    compiled_step = None
    if compiled:
        from lightning_port.training.compiled_step import CompiledTrainingStep

        compiled_step = CompiledTrainingStep(backbone, optimizer, loss_function(recipe))
    losses, checkpoints = [], []
    recorded = checkpoint_steps(len(batches))
    backbone.train()
    try:
        for index, (inputs, labels) in enumerate(batches):
            images = torch.from_numpy(np.ascontiguousarray(inputs.astype(numpy_dtype)))
            if randomness.augmentation is not None:
                parameters = {key: torch.as_tensor(value) for key, value in randomness.augmentation[index].items()}
                images = apply_transform(images, parameters)
            current[:] = [torch.from_numpy(mask) for mask in _scaled_masks(recipe, randomness.dropout[index], numpy_dtype)]
            position[0] = 0
            if randomness.layer_draws is not None:
                inject_port(backbone, randomness.layer_draws[index])
            current_cells[:] = [
                tuple(None if kind is None else [torch.from_numpy(mask) for mask in kind] for kind in pair)
                for pair in _scaled_cell_masks(recipe, randomness.recurrent[index] if randomness.recurrent else [], numpy_dtype)
            ]
            targets = _targets(recipe, labels)
            if compiled_step is not None:
                loss, _ = compiled_step(images, targets)
            else:
                optimizer.zero_grad(set_to_none=True)
                loss = loss_function(recipe)(backbone(images), targets)
                loss.backward()
                optimizer.step()
            losses.append(loss.item())
            if index + 1 in recorded:
                checkpoints.append({name: parameter.detach().double().numpy().copy() for name, parameter in backbone.named_parameters()})
    finally:
        for handle in handles:
            handle.remove()
        for module in cells:
            module.injected_masks = None
    return Trajectory(np.array(losses), checkpoints)


def _port_cells(recipe: Recipe, backbone: KerasModel) -> list:
    """The backbone's recurrent modules in ``recurrent_cells`` order."""
    positions = {layer.name: position for position, layer in enumerate(backbone.graph.layers)}
    modules = []
    for cell in recurrent_cells(recipe):
        module = backbone.layer_module(positions[cell.layer])
        if cell.direction is not None:
            module = module.forward_layer if cell.direction == "forward" else module.backward_layer
        modules.append(module)
    return modules


def _targets(recipe: Recipe, labels: np.ndarray) -> torch.Tensor:
    from lightning_port.evidence.parity.keras_probes import torch_targets

    return torch_targets(recipe, labels)
