"""Same bytes into both frameworks: the Lightning recipe's preprocessing vs the tutorial's own."""

import numpy as np
import pytest

from lightning_port.datamodules import datamodule_for
from lightning_port.registry import get_recipe, model_names
from tests.parity.keras_fixtures import labels_of, tutorial_data

pytestmark = pytest.mark.parity
SAMPLES = {"cifar_cnn": 2_000}


@pytest.mark.parametrize("name", model_names())
def test_both_frameworks_train_and_test_on_identical_arrays(name, keras_tensorflow, data_dir, parity):
    recipe = get_recipe(name)
    limit = SAMPLES.get(name)
    datamodule = datamodule_for(recipe, data_dir=data_dir, max_train_samples=limit)
    datamodule.setup()
    keras_data = tutorial_data(name, data_dir, max_train_samples=limit)
    pairs = [("train", datamodule.train_tensors, keras_data["train"])]
    pairs += [(split, datamodule.evaluation_tensors[split], keras_data["evaluations"][split]) for split in keras_data["evaluations"]]
    if "validation" in keras_data:
        pairs.append(("validation", datamodule.validation_tensors, keras_data["validation"]))
    differing = 0
    for split, (inputs, targets), (keras_inputs, keras_targets) in pairs:
        ours = inputs.numpy()
        if ours.ndim == 4:
            ours = ours.transpose(0, 2, 3, 1)  # back to Keras's channels-last
        # Keras casts float64 input arrays to float32 (floatx) before the first layer.
        theirs = np.asarray(keras_inputs, dtype=np.float32)
        assert ours.shape == theirs.shape, split
        differing += int(np.count_nonzero(ours.view(np.uint32) != theirs.view(np.uint32)))
        np.testing.assert_array_equal(targets.numpy().astype(np.int64), labels_of(keras_targets).astype(np.int64))
    entry = parity.record("data: input values not bit-identical", name, differing, 0, detail=", ".join(p[0] for p in pairs))
    assert entry.passed
