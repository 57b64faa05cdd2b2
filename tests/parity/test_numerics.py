"""Loss, gradients and optimizer steps from identical weights on identical batches.

"relative" below is max |torch - keras| / max |keras| per tensor (the largest over all
tensors), so entries that happen to be near zero do not dominate.
"""

import numpy as np
import pytest
import torch

from lightning_port.keras_compat.losses import keras_loss
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.evidence.parity.keras_probes import (
    as_torch_layout,
    keras_loss_and_gradients,
    keras_optimizer_steps,
    keras_targets,
    mirrored_backbone,
    relative_difference,
    to_torch_inputs,
    torch_loss_and_gradients,
    torch_optimizer_steps,
    torch_targets,
    untie_optimizer,
)
from lightning_port.registry import get_recipe, model_names
from tests.parity.keras_fixtures import keras_precision, labels_of, tutorial_data, warmed_up_keras_model

pytestmark = pytest.mark.parity
RELATIVE_TOLERANCE = 1e-5
OPTIMIZER_STEPS = 3  # several steps exercise the bias corrections, not only the first update
TRAJECTORY_STEPS = 200
TRAJECTORY_TOLERANCE = 1e-3  # absolute, per-step loss


# float32 is what users train in. float64 removes rounding noise, so it checks that the two
# frameworks compute the same formulas. At float32 the CIFAR CNN's early-conv gradients differ
# by about 2e-4 relative: a one-ulp difference in a max-pool or ReLU input routes the
# gradient differently. Keras's own float32 gradients are that far from the float64 truth too
# (measured: 2.7e-4 Keras, 2.8e-4 torch), so 1e-5 is not reachable in float32 for that model.
FLOAT32_CNN_GAP = pytest.mark.xfail(
    strict=True, reason="known gap: float32 conv/max-pool gradients agree to ~2e-4, not 1e-5 (see comment)"
)
PRECISION_CASES = [
    pytest.param(name, precision, marks=FLOAT32_CNN_GAP if (name, precision) == ("cifar_cnn", "float32") else ())
    for name in model_names()
    for precision in ("float32", "float64")
]


def _batches(name, data_dir, count, precision="float32"):
    recipe = get_recipe(name)
    inputs, targets = tutorial_data(name, data_dir, max_train_samples=5_000)["train"]
    inputs, labels = np.asarray(inputs, dtype=precision), labels_of(targets)
    size = recipe.batch_size
    return [(inputs[i * size : (i + 1) * size], labels[i * size : (i + 1) * size]) for i in range(count)]


@pytest.mark.parametrize("name, precision", PRECISION_CASES)
def test_loss_and_gradients_match_keras(name, precision, keras_tensorflow, data_dir, parity):
    recipe = get_recipe(name)
    inputs, labels = _batches(name, data_dir, 1, precision)[0]
    with keras_precision(name, warmed_up_keras_model(name, data_dir), precision) as keras_model:
        backbone = mirrored_backbone(recipe, keras_model)
        keras_value, keras_gradients = keras_loss_and_gradients(keras_model, inputs, keras_targets(recipe, labels).astype(precision))
    torch_value, torch_gradients = torch_loss_and_gradients(recipe, backbone, inputs, labels)
    loss_difference = abs(torch_value - keras_value) / abs(keras_value)
    entry = parity.record(f"numerics: loss, relative ({precision})", name, loss_difference, RELATIVE_TOLERANCE, detail=f"Keras {keras_value:.6f}")
    assert entry.passed
    reference = as_torch_layout(backbone, keras_gradients)
    worst = max(relative_difference(torch_gradients[key], reference[key]) for key in reference)
    entry = parity.record(f"numerics: gradients, relative ({precision})", name, worst, RELATIVE_TOLERANCE, detail=f"{len(reference)} tensors")
    assert entry.passed


@pytest.mark.parametrize("name, precision", PRECISION_CASES)
def test_optimizer_steps_match_keras(name, precision, keras_tensorflow, data_dir, parity):
    """Every optimizer setting the recipes use: Adam defaults, Adam 1e-4, RMSprop(0.9, 1e-8), 'rmsprop'."""
    worst, optimizer = _optimizer_steps_difference(name, precision, data_dir, compiled=False)
    entry = parity.record(f"optimizer: weights after steps ({precision})", name, worst, RELATIVE_TOLERANCE, detail=optimizer)
    assert entry.passed


# The compiled step (scripts/train.py --compile) in float32, what users train in. cifar_cnn
# compiles for ~30 s on a CPU and carries the float32 convolution gap above, so it is slow.
COMPILED_CASES = [
    pytest.param(name, marks=(pytest.mark.slow, FLOAT32_CNN_GAP) if name == "cifar_cnn" else ())
    for name in model_names()
]


@pytest.mark.parametrize("name", COMPILED_CASES)
def test_compiled_steps_match_keras(name, keras_tensorflow, data_dir, parity):
    """--compile: forward, gradients and the Keras-rule update from one torch.compile graph."""
    worst, optimizer = _optimizer_steps_difference(name, "float32", data_dir, compiled=True)
    entry = parity.record("optimizer: weights after steps, --compile (float32)", name, worst, RELATIVE_TOLERANCE, detail=optimizer)
    assert entry.passed


def _optimizer_steps_difference(name, precision, data_dir, compiled):
    """Largest relative weight difference after OPTIMIZER_STEPS steps, and the optimizer's name."""
    recipe = get_recipe(name)
    batches = _batches(name, data_dir, OPTIMIZER_STEPS, precision)
    with keras_precision(name, warmed_up_keras_model(name, data_dir), precision) as keras_model:
        keras_model = untie_optimizer(keras_model)  # zero moments at step 1 on both sides
        backbone = mirrored_backbone(recipe, keras_model)
        keras_after = keras_optimizer_steps(keras_model, [(x, keras_targets(recipe, y).astype(precision)) for x, y in batches])
        optimizer_name = type(keras_model.optimizer).__name__
    torch_after = torch_optimizer_steps(recipe, backbone, batches, compiled=compiled)
    worst = 0.0
    for keras_weights, torch_weights in zip(keras_after, torch_after):
        reference = as_torch_layout(backbone, keras_weights)
        worst = max([worst, *(relative_difference(torch_weights[key], reference[key]) for key in reference)])
    return worst, f"{optimizer_name}(lr={recipe.optimizer.learning_rate:g}), {OPTIMIZER_STEPS} steps"


def test_loss_uses_logits_like_keras_even_when_saturated(keras_tensorflow, data_dir, parity):
    """A clipped log(probability) would cap the loss at -log(1e-7) = 16.1; Keras on TF does not."""
    recipe = get_recipe("mnist_mlp")
    from keras_reference import tutorial_module

    keras_model = tutorial_module(get_recipe("mnist_mlp")).build_model()
    weights = keras_model.get_weights()
    weights[-1][:] = 0.0
    weights[-1][3] = 60.0  # every sample confidently predicted as a 3
    keras_model.set_weights(weights)
    inputs, labels = _batches("mnist_mlp", data_dir, 1)[0]
    keras_value, _ = keras_loss_and_gradients(keras_model, inputs, keras_targets(recipe, labels))
    backbone = mirrored_backbone(recipe, keras_model)
    with torch.no_grad():
        torch_value = keras_loss(recipe.loss, backbone(to_torch_inputs(inputs)), torch_targets(recipe, labels)).item()
    assert keras_value > 40  # the logits form, far above the clipped cap
    entry = parity.record("numerics: saturated loss, relative", "mnist_mlp", abs(torch_value - keras_value) / keras_value, RELATIVE_TOLERANCE, detail=f"Keras {keras_value:.3f}")
    assert entry.passed


def test_200_training_steps_follow_keras(keras_tensorflow, data_dir, parity):
    """mnist_mlp from identical weights, identical batch order; Keras through train_on_batch."""
    import keras

    from keras_reference import tutorial_module

    recipe = get_recipe("mnist_mlp")
    keras.utils.set_random_seed(0)
    keras_model = tutorial_module(get_recipe("mnist_mlp")).build_model()
    backbone = mirrored_backbone(recipe, keras_model)
    optimizer = build_optimizer(recipe.optimizer, backbone.parameters())
    inputs, targets = tutorial_data("mnist_mlp", data_dir)["train"]
    inputs = np.asarray(inputs, dtype=np.float32)
    order = np.random.default_rng(0).permutation(len(inputs))[: TRAJECTORY_STEPS * recipe.batch_size]
    keras_losses, torch_losses = [], []
    for step in range(TRAJECTORY_STEPS):
        batch = order[step * recipe.batch_size : (step + 1) * recipe.batch_size]
        keras_losses.append(float(keras_model.train_on_batch(inputs[batch], targets[batch], return_dict=True)["loss"]))
        optimizer.zero_grad(set_to_none=True)
        loss = keras_loss(recipe.loss, backbone(torch.from_numpy(inputs[batch])), torch.from_numpy(labels_of(targets[batch])))
        loss.backward()
        optimizer.step()
        torch_losses.append(loss.item())
    worst = float(np.max(np.abs(np.array(torch_losses) - np.array(keras_losses))))
    detail = f"loss {keras_losses[0]:.3f} -> {keras_losses[-1]:.3f} over {TRAJECTORY_STEPS} steps"
    entry = parity.record("training: 200-step loss trajectory, abs", "mnist_mlp", worst, TRAJECTORY_TOLERANCE, detail=detail)
    assert entry.passed
