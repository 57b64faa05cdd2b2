"""Same bytes into both frameworks: the Lightning recipe's preprocessing vs the tutorial's own."""

import numpy as np
import pytest

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.registry import get_recipe, model_names
from lightning_port.spec import ValidationSplit
from tests.helpers import definition
from tests.parity.keras_fixtures import labels_of, tutorial_data

pytestmark = pytest.mark.parity


@pytest.mark.parametrize("name", model_names())
def test_both_frameworks_train_and_test_on_identical_arrays(name, keras_tensorflow, data_dir, parity):
    recipe = get_recipe(name)
    # Heavy (image) models on their quick subset; the others on every training sample.
    limit = recipe.evidence.quick_samples if recipe.evidence.heavy else None
    datamodule = TutorialDataModule(definition(name, data_dir, max_train_samples=limit))
    datamodule.setup()
    keras_data = tutorial_data(name, data_dir, max_train_samples=limit)
    keras_train = keras_data["train"]
    if isinstance(recipe.validation, ValidationSplit):
        # The tutorial passes validation_split to fit(): split its arrays with Keras's own code.
        from keras.src.trainers.data_adapters.array_slicing import train_validation_split

        keras_train, keras_data["validation"] = train_validation_split(keras_train, recipe.validation.fraction)
    pairs = [("train", datamodule.train_tensors, keras_train)]
    pairs += [(split, datamodule.evaluation_tensors[split], keras_data["evaluations"][split]) for split in keras_data["evaluations"]]
    if "validation" in keras_data:
        pairs.append(("validation", datamodule.validation_tensors, keras_data["validation"]))
    differing = 0
    for split, (inputs, targets), (keras_inputs, keras_targets) in pairs:
        ours = inputs.numpy()  # Keras's layout: the port serves images channels-last too
        # Keras casts float64 input arrays to float32 (floatx) before the first layer.
        theirs = np.asarray(keras_inputs, dtype=np.float32)
        assert ours.shape == theirs.shape, split
        differing += int(np.count_nonzero(ours.view(np.uint32) != theirs.view(np.uint32)))
        expected = labels_of(name, keras_targets)
        if targets.is_floating_point():  # values (an autoencoder's images): the same float32 bits
            differing += int(np.count_nonzero(targets.numpy().view(np.uint32) != np.asarray(expected, dtype=np.float32).view(np.uint32)))
        else:
            np.testing.assert_array_equal(targets.numpy().astype(np.int64), np.asarray(expected).astype(np.int64))
    for index, noisy in datamodule.noisy_train_inputs.items():
        # A listing that fits on noisy copies: the data layer's draws reach both frameworks alike.
        pairs.append((f"noisy train, phase {index + 1}", None, None))
        differing += int(np.count_nonzero(noisy.numpy().view(np.uint32) != np.asarray(keras_data["noisy_train"], dtype=np.float32).view(np.uint32)))
    entry = parity.record("data: input values not bit-identical", name, differing, 0, detail=", ".join(p[0] for p in pairs))
    assert entry.passed
