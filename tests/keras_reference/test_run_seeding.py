"""The Keras reference runs train in a fresh order every epoch, as the listings do.

Keras 3 on TensorFlow with ``keras.utils.set_random_seed`` replays the first epoch's order in
every epoch of ``fit`` on arrays (TensorFlow issue #35682). The runner seeds around it
(``keras_reference.run.seed_the_run``): these tests read both behaviours back from
the live packages, with a layer that records the training batches it sees.
"""

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
