"""The Keras reference runs train in a fresh order every epoch, as the listings do.

Keras 3 on TensorFlow with ``keras.utils.set_random_seed`` replays the first epoch's order in
every epoch of ``fit`` on arrays (TensorFlow issue #35682). The runner seeds around it
(``keras_reference.run.seed_the_run``): these tests read both behaviours back from
the live packages, with a layer that records the training batches it sees.
"""

import json

import numpy as np
import pytest

from keras_reference.run import seed_the_run

pytestmark = pytest.mark.keras

SAMPLES, HELD_OUT, BATCH, EPOCHS = 640, 0.2, 64, 3


def _epoch_orders(keras, seed_with) -> list[np.ndarray]:
    """The sample indices each epoch of a seeded fit(shuffle=True, validation_split) trains on,
    in order."""
    seed_with(0)
    seen = []

    class Recorder(keras.layers.Layer):
        def call(self, inputs, training=None):
            if training:
                seen.append(np.asarray(inputs).ravel().astype(int))
            return inputs

    indices = np.arange(SAMPLES, dtype="float32")[:, None]
    model = keras.Sequential([keras.Input((1,)), Recorder(), keras.layers.Dense(1)])
    model.compile("sgd", "mse", run_eagerly=True)  # the recorder reads the batches as arrays
    model.fit(indices, np.zeros((SAMPLES, 1), "float32"), batch_size=BATCH, epochs=EPOCHS, validation_split=HELD_OUT, verbose=0)
    steps = int(SAMPLES * (1 - HELD_OUT)) // BATCH
    assert len(seen) == EPOCHS * steps
    return [np.concatenate(seen[epoch * steps : (epoch + 1) * steps]) for epoch in range(EPOCHS)]


def test_keras_set_random_seed_replays_the_first_epochs_order(keras_tensorflow):
    """The quirk the runner avoids, still present in the installed Keras and TensorFlow (if this
    fails, they reshuffle again and ``seed_the_run`` can go back to set_random_seed alone)."""
    orders = _epoch_orders(keras_tensorflow, keras_tensorflow.utils.set_random_seed)
    assert all(np.array_equal(orders[0], order) for order in orders[1:])


def test_the_runners_seeding_gives_every_epoch_a_fresh_permutation(keras_tensorflow):
    orders = _epoch_orders(keras_tensorflow, lambda seed: seed_the_run(seed, "tensorflow"))
    training = np.arange(int(SAMPLES * (1 - HELD_OUT)))  # validation_split holds out the last 20%
    for order in orders:
        assert np.array_equal(np.sort(order), training)
    assert not any(np.array_equal(orders[0], order) for order in orders[1:])


def test_the_runners_seeding_still_fixes_initial_weights_and_dropout(keras_tensorflow):
    keras = keras_tensorflow

    def draw(seed):
        seed_the_run(seed, "tensorflow")
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dropout(0.5)])
        masks = model(np.ones((4, 8), "float32"), training=True)
        return model.layers[0].kernel.numpy(), np.asarray(masks) == 0

    (kernel, dropped), (kernel_again, dropped_again), (other_kernel, _) = draw(3), draw(3), draw(4)
    assert np.array_equal(kernel, kernel_again) and np.array_equal(dropped, dropped_again)
    assert not np.array_equal(kernel, other_kernel)


def test_resume_refuses_the_other_epoch_order(tmp_path, data_dir):
    """A run started in one epoch order is not continued in the other (KerasRun.identity)."""
    from keras_reference.run import RUN_CONFIG_FILE, KerasRunConfigError, _prepare_output_dir
    from lightning_port.registry import get_recipe
    from lightning_port.run.resolve import resolve_keras_run

    recipe = get_recipe("mnist_mlp")
    started = resolve_keras_run(output_dir=tmp_path, recipe=recipe, data_dir=str(data_dir), replay_epoch_order=True)
    _prepare_output_dir(started)
    resumed = resolve_keras_run(output_dir=tmp_path, recipe=recipe, data_dir=str(data_dir), resume=True)
    with pytest.raises(KerasRunConfigError, match="was trained with replay_epoch_order=True, not False"):
        _prepare_output_dir(resumed)
    same = resolve_keras_run(output_dir=tmp_path, recipe=recipe, data_dir=str(data_dir), resume=True, replay_epoch_order=True)
    assert _prepare_output_dir(same) == []
    # A run_config.json written before the field existed does not say its order: resumed unchecked.
    config = tmp_path / RUN_CONFIG_FILE
    stored = json.loads(config.read_text())
    del stored["replay_epoch_order"]
    config.write_text(json.dumps(stored))
    assert _prepare_output_dir(resumed) == []
