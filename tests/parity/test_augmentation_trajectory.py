"""A 100-step CIFAR-10 training trajectory of a convnet whose first layer is a nested
``data_augmentation`` Sequential (RandomFlip, RandomRotation, RandomZoom): Keras against the
port from the same weights on the same batches, with the same augmentation draws and dropout
masks injected into both (``evidence.parity.trajectories``), judged as ``cifar_cnn``'s
trajectory is: per-step losses and the weights' total update, each framework's float32 result
against the float64 truth (``truth.compare_trajectory``), the float64 results within 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

from lightning_port.data import load_raw_splits
from lightning_port.evidence.parity.keras_models import build_keras_model, float64_twin
from lightning_port.evidence.parity.keras_probes import mirrored_backbone, untie_optimizer
from lightning_port.evidence.parity.trajectories import draw_randomness, keras_trajectory, port_trajectory
from lightning_port.evidence.parity.truth import compare, compare_trajectory
from tests.parity.augmentation_convnet import RECIPE

pytestmark = pytest.mark.parity
WARM_UP_SAMPLES = 512  # one Keras epoch first, so the trajectory starts from trained weights


def _batches(data_dir, steps: int):
    splits = load_raw_splits(RECIPE, data_dir, max_train_samples=steps * RECIPE.batch_size)
    inputs, labels = splits.train
    inputs = RECIPE.preprocessing.apply(inputs, RECIPE.input_shape)
    labels = np.asarray(labels).reshape(-1)
    size = RECIPE.batch_size
    return [(inputs[i * size : (i + 1) * size], labels[i * size : (i + 1) * size]) for i in range(steps)]


def _record(parity, check, comparison, detail):
    entry = parity.record_truth(check, RECIPE.name, comparison, detail=detail)
    assert comparison.float64_agrees, f"float64 results differ by {comparison.float64_difference:.2e}"
    assert entry.passed, entry.line()


def test_augmentation_convnet_trajectory_against_the_float64_truth(keras_tensorflow, data_dir, parity):
    steps = RECIPE.evidence.trajectory_steps
    batches = _batches(data_dir, steps)
    keras32 = build_keras_model(RECIPE, seed=0)
    warm_inputs = np.concatenate([inputs for inputs, _ in batches])[:WARM_UP_SAMPLES]
    warm_labels = np.concatenate([labels for _, labels in batches])[:WARM_UP_SAMPLES]
    keras32.fit(warm_inputs, warm_labels, epochs=1, batch_size=RECIPE.batch_size, verbose=0)
    keras32 = untie_optimizer(keras32)
    start = keras32.get_weights()
    randomness = draw_randomness(RECIPE, steps, RECIPE.batch_size)
    assert randomness.layer_draws is not None and len(randomness.layer_draws[0]) == 3  # flip, rotation, zoom
    port32 = mirrored_backbone(RECIPE, keras32)
    before = {key: parameter.detach().double().numpy().copy() for key, parameter in port32.named_parameters()}
    keras_run32 = keras_trajectory(RECIPE, keras32, batches, randomness)
    keras32.set_weights(start)
    with float64_twin(keras32, RECIPE) as keras64:
        port64 = mirrored_backbone(RECIPE, keras64)
        keras_run64 = keras_trajectory(RECIPE, keras64, [(inputs.astype(np.float64), labels) for inputs, labels in batches], randomness)
    port_run32 = port_trajectory(RECIPE, port32, batches, randomness)
    port_run64 = port_trajectory(RECIPE, port64, [(inputs.astype(np.float64), labels) for inputs, labels in batches], randomness)
    runs = (port_run32, keras_run32, port_run64, keras_run64)
    injected = "flip, rotation and zoom draws and dropout masks injected"
    losses = compare_trajectory(*([{"loss": np.array(value)} for value in run.losses] for run in runs))
    worst = compare(*({"losses": run.losses} for run in runs))
    detail = f"rms over {steps} steps; worst step port {worst.port_error:.2e} Keras {worst.keras_error:.2e}; loss {keras_run64.losses[0]:.3f} -> {keras_run64.losses[-1]:.3f}; {injected}"
    _record(parity, f"training: {steps}-step losses, nested data_augmentation (float32 vs float64 truth)", losses, detail)
    checkpoints = len(keras_run64.checkpoints)
    weights = compare_trajectory(*(run.checkpoints for run in runs), before=[before] * checkpoints)
    _record(parity, f"training: updates over {steps} steps, nested data_augmentation (float32 vs float64 truth)", weights, f"rms over {checkpoints} checkpoints; {injected}")
