"""Loss, gradients, optimizer steps and training trajectories from identical weights on
identical batches, each float32 result judged against the float64 truth.

Every check computes four results: Keras and the port, each in float32 and in float64, from
the same float32 starting weights and input bytes. The two float64 results must agree to
1e-10 (the frameworks compute the same formulas); the port's float32 error against them may
be at most 2 x Keras's own float32 error plus a floor of a few float32 ulps of the
quantity's scale (lightning_port/evidence/parity/truth.py says why). Optimizer steps and
trajectories are compared on the update, w_after - w_before, relative to each tensor's own
update size.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lightning_port.evidence.parity.keras_probes import (
    as_torch_layout,
    keras_loss_and_gradients,
    keras_optimizer_steps,
    keras_targets,
    mirrored_backbone,
    to_torch_inputs,
    torch_loss_and_gradients,
    torch_optimizer_steps,
    torch_targets,
    untie_optimizer,
)
from lightning_port.evidence.parity.trajectories import draw_randomness, keras_trajectory, port_trajectory
from lightning_port.evidence.parity.truth import compare, compare_trajectory, compare_updates
from lightning_port.keras_compat.losses import loss_function
from lightning_port.registry import get_recipe, recipes_in_order
from tests.parity.keras_fixtures import keras_precision, labels_of, tutorial_data, warmed_up_keras_model

pytestmark = pytest.mark.parity
OPTIMIZER_STEPS = 3  # several steps exercise the bias corrections, not only the first update


def _cases(slow_if_heavy: bool = False, only=None):
    """Every recipe (or those ``only`` keeps); heavy ones marked slow where asked."""
    return [
        pytest.param(recipe.name, marks=pytest.mark.slow if slow_if_heavy and recipe.evidence.heavy else ())
        for recipe in recipes_in_order()
        if only is None or only(recipe)
    ]


def _batches(name, data_dir, count):
    """``count`` batches of the tutorial's own prepared training arrays, as float32 inputs
    (what Keras feeds a float32 model) and class labels."""
    recipe = get_recipe(name)
    inputs, targets = tutorial_data(name, data_dir, max_train_samples=count * recipe.batch_size)["train"]
    inputs, labels = np.asarray(inputs, dtype=np.float32), labels_of(name, targets)
    size = recipe.batch_size
    return [(inputs[i * size : (i + 1) * size], labels[i * size : (i + 1) * size]) for i in range(count)]


def _as64(batches):
    return [(inputs.astype(np.float64), labels) for inputs, labels in batches]


def _record(parity, check, name, comparison, detail=""):
    entry = parity.record_truth(check, name, comparison, detail=detail)
    assert comparison.float64_agrees, f"float64 results differ by {comparison.float64_difference:.2e}"
    assert entry.passed, entry.line()


@pytest.mark.parametrize("name", _cases())
def test_loss_and_gradients_against_the_float64_truth(name, keras_tensorflow, data_dir, parity):
    recipe = get_recipe(name)
    (inputs, labels), = _batches(name, data_dir, 1)
    keras32 = warmed_up_keras_model(name, data_dir)
    port32 = mirrored_backbone(recipe, keras32)
    keras_loss32, keras_gradients32 = keras_loss_and_gradients(keras32, inputs, keras_targets(recipe, labels))
    with keras_precision(name, keras32, "float64") as keras64:
        port64 = mirrored_backbone(recipe, keras64)
        keras_loss64, keras_gradients64 = keras_loss_and_gradients(keras64, inputs.astype(np.float64), keras_targets(recipe, labels).astype(np.float64))
    port_loss32, port_gradients32 = torch_loss_and_gradients(recipe, port32, inputs, labels)
    port_loss64, port_gradients64 = torch_loss_and_gradients(recipe, port64, inputs.astype(np.float64), labels)

    losses = [{"loss": np.array(value)} for value in (port_loss32, keras_loss32, port_loss64, keras_loss64)]
    _record(parity, "numerics: loss (float32 vs float64 truth)", name, compare(*losses), detail=f"Keras float64 {keras_loss64:.6f}")
    gradients = [port_gradients32, as_torch_layout(port32, keras_gradients32), port_gradients64, as_torch_layout(port64, keras_gradients64)]
    _record(parity, "numerics: gradients (float32 vs float64 truth)", name, compare(*gradients), detail=f"{len(port_gradients32)} tensors")


def _keyed(snapshots: list[dict]) -> dict:
    """Weights after each step as one dict, 'step k/name' -> array."""
    return {f"step {step}/{name}": value for step, snapshot in enumerate(snapshots, start=1) for name, value in snapshot.items()}


def _optimizer_step_comparison(name, data_dir, compiled: bool):
    recipe = get_recipe(name)
    batches = _batches(name, data_dir, OPTIMIZER_STEPS)
    keras32 = untie_optimizer(warmed_up_keras_model(name, data_dir))  # zero moments at step 1 on both sides
    start = keras32.get_weights()
    port32 = mirrored_backbone(recipe, keras32)
    before = {name: parameter.detach().double().numpy().copy() for name, parameter in port32.named_parameters()}
    keras_after32 = keras_optimizer_steps(keras32, [(x, keras_targets(recipe, y)) for x, y in batches])
    keras32.set_weights(start)  # the float64 model starts where the float32 ones did
    with keras_precision(name, keras32, "float64") as keras64:
        port64 = mirrored_backbone(recipe, keras64)
        keras_after64 = keras_optimizer_steps(keras64, [(x, keras_targets(recipe, y).astype(np.float64)) for x, y in _as64(batches)])
    port_after32 = torch_optimizer_steps(recipe, port32, batches, compiled=compiled)
    port_after64 = torch_optimizer_steps(recipe, port64, _as64(batches))
    keras_layout = [[as_torch_layout(port32, weights) for weights in keras_after32], [as_torch_layout(port64, weights) for weights in keras_after64]]
    comparison = compare_updates(
        {f"step {step}/{key}": value for step in range(1, OPTIMIZER_STEPS + 1) for key, value in before.items()},
        _keyed(port_after32), _keyed(keras_layout[0]), _keyed(port_after64), _keyed(keras_layout[1]),
    )
    optimizer = f"{type(keras32.optimizer).__name__}(lr={recipe.optimizer.learning_rate:g}), {OPTIMIZER_STEPS} steps"
    return comparison, optimizer


@pytest.mark.parametrize("name", _cases())
def test_optimizer_steps_against_the_float64_truth(name, keras_tensorflow, data_dir, parity):
    """Every optimizer setting the recipes use: Adam defaults, Adam 1e-4, RMSprop(0.9, 1e-8), 'rmsprop'."""
    comparison, optimizer = _optimizer_step_comparison(name, data_dir, compiled=False)
    _record(parity, "optimizer: update after steps (float32 vs float64 truth)", name, comparison, detail=optimizer)


# --compile builds a graph per model: seconds for an MLP, half a minute for a CNN on a CPU.
@pytest.mark.parametrize("name", _cases(slow_if_heavy=True))
def test_compiled_steps_against_the_float64_truth(name, keras_tensorflow, data_dir, parity):
    """scripts/train.py --compile: forward, gradients and the Keras-rule update in one graph."""
    comparison, optimizer = _optimizer_step_comparison(name, data_dir, compiled=True)
    _record(parity, "optimizer: update after steps, --compile (float32 vs float64 truth)", name, comparison, detail=optimizer)


@pytest.mark.parametrize("name", _cases(slow_if_heavy=True, only=lambda recipe: recipe.evidence.trajectory_steps > 0))
def test_training_trajectory_against_the_float64_truth(name, keras_tensorflow, data_dir, parity):
    """Many steps from identical weights on identical batches, with the randomness injected:
    the same augmentation parameters and dropout masks in both frameworks (trajectories.py).
    Per-step losses and the weights' total update are judged by the float64 truth."""
    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    steps = recipe.evidence.trajectory_steps
    batches = _batches(name, data_dir, steps)
    randomness = draw_randomness(recipe, steps, recipe.batch_size)
    generator = tutorial_module(recipe).make_generator() if recipe.augmentation else None
    keras32 = untie_optimizer(warmed_up_keras_model(name, data_dir))
    start = keras32.get_weights()
    port32 = mirrored_backbone(recipe, keras32)
    before = {key: parameter.detach().double().numpy().copy() for key, parameter in port32.named_parameters()}
    keras_run32 = keras_trajectory(recipe, keras32, batches, randomness, generator)
    keras32.set_weights(start)
    with keras_precision(name, keras32, "float64") as keras64:
        port64 = mirrored_backbone(recipe, keras64)
        keras_run64 = keras_trajectory(recipe, keras64, _as64(batches), randomness, generator)
    port_run32 = port_trajectory(recipe, port32, batches, randomness)
    port_run64 = port_trajectory(recipe, port64, _as64(batches), randomness)
    runs = (port_run32, keras_run32, port_run64, keras_run64)
    injected = "augmentation and dropout injected" if recipe.augmentation else "dropout injected" if randomness.dropout[0] else "no randomness"
    # Per-step losses, each relative to the loss; judged on the root mean square over the
    # steps (truth.compare_trajectory says why). The worst single step is in the detail.
    losses = compare_trajectory(*([{"loss": np.array(value)} for value in run.losses] for run in runs))
    worst = compare(*({"losses": run.losses} for run in runs))
    detail = f"rms over {steps} steps; worst step port {worst.port_error:.2e} Keras {worst.keras_error:.2e}; loss {keras_run64.losses[0]:.3f} -> {keras_run64.losses[-1]:.3f}; {injected}"
    _record(parity, f"training: {steps}-step losses (float32 vs float64 truth)", name, losses, detail=detail)
    checkpoints = len(keras_run64.checkpoints)
    weights = compare_trajectory(*(run.checkpoints for run in runs), before=[before] * checkpoints)
    _record(parity, f"training: updates over {steps} steps (float32 vs float64 truth)", name, weights, detail=f"rms over {checkpoints} checkpoints; {injected}")


@pytest.mark.parametrize("name", ["mnist_mlp", "addition_rnn"])
def test_loss_uses_logits_like_keras_even_when_saturated(name, keras_tensorflow, data_dir, parity):
    """A clipped log(probability) would cap the loss at -log(1e-7) = 16.1; Keras on TF does not.
    addition_rnn: a softmax over the last axis of a sequence (rank 3), where a late-training
    difference between the two forms would show only once predictions saturate."""
    from keras_reference import tutorial_module

    recipe = get_recipe(name)
    keras32 = tutorial_module(recipe).build_model()
    weights = keras32.get_weights()
    weights[-1][:] = 0.0
    weights[-1][3] = 60.0  # every sample confidently predicted as a 3
    keras32.set_weights(weights)
    (inputs, labels), = _batches(name, data_dir, 1)
    values = {}
    with torch.no_grad():
        values["port32"] = loss_function(recipe)(mirrored_backbone(recipe, keras32)(to_torch_inputs(inputs)), torch_targets(recipe, labels)).item()
    values["keras32"], _ = keras_loss_and_gradients(keras32, inputs, keras_targets(recipe, labels))
    with keras_precision(name, keras32, "float64") as keras64:
        values["keras64"], _ = keras_loss_and_gradients(keras64, inputs.astype(np.float64), keras_targets(recipe, labels).astype(np.float64))
        with torch.no_grad():
            values["port64"] = loss_function(recipe)(mirrored_backbone(recipe, keras64)(to_torch_inputs(inputs.astype(np.float64))), torch_targets(recipe, labels)).item()
    assert values["keras32"] > 40  # the logits form, far above the clipped cap
    comparison = compare(*({"loss": np.array(values[key])} for key in ("port32", "keras32", "port64", "keras64")))
    _record(parity, "numerics: saturated loss (float32 vs float64 truth)", name, comparison, detail=f"Keras {values['keras64']:.3f}")
