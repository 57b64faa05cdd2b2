"""
Title: Convolutional autoencoder for image denoising
Author: Santiago L. Valdarrama
Source: https://keras.io/examples/vision/autoencoder/ (keras-io examples/vision/autoencoder.py)
Date created: 2021/03/01, last modified 2021/03/01
Description: How to train a deep convolutional autoencoder for image denoising; the reference
             for `mnist_autoencoder`.

Deviations from the example, each marked in the code:
- Data comes from the project's shared loader (the arrays the Lightning port trains on)
  instead of `mnist.load_data()`.
- `noise()` draws from NumPy's global generator, unseeded; here the noise is drawn once per
  split from the recipe's seed by the shared data layer (`splits.add_noise`), so both
  frameworks train on the same bytes.
- The steps are wrapped in functions so the runner and the parity tests can call them; the
  statements inside are the example's. `display()`, `autoencoder.summary()` and the
  `predict()` calls that only feed `display()` are left out; `compile` moves into
  `build_model`, as in the other reference modules.
- The two `fit()` calls keep their 50 and 100 epochs; a run asking for fewer epochs (the
  outcome rows' short schedule) scales both in proportion (`phase_bounds`).
- `from tensorflow.keras import layers` becomes `from keras import layers` (Keras 3).
"""

import numpy as np
from keras import layers
from keras.models import Model

from lightning_port.spec.recipe import phase_bounds


def preprocess(array):
    """
    Normalizes the supplied array and reshapes it into the appropriate format.
    """

    array = array.astype("float32") / 255.0
    array = np.reshape(array, (len(array), 28, 28, 1))
    return array


"""
## Prepare the data
"""


def prepare_data(splits):
    # lightning-port: was `(train_data, _), (test_data, _) = mnist.load_data()`
    train_data, _ = splits.train
    test_data, _ = splits.evaluations["test"]

    # Normalize and reshape the data
    train_data = preprocess(train_data)
    test_data = preprocess(test_data)

    # Create a copy of the data with added noise
    # lightning-port: was `noise(train_data)`, `noise(test_data)`: the shared seeded draws
    noisy_train_data = splits.add_noise(train_data, "train")
    noisy_test_data = splits.add_noise(test_data, "test")
    return {
        "train": (train_data, train_data),
        "noisy_train": noisy_train_data,
        "evaluations": {"test": (noisy_test_data, test_data)},
        "test": test_data,
    }


"""
## Build the autoencoder

We are going to use the Functional API to build our convolutional autoencoder.
"""


def build_model():
    input = layers.Input(shape=(28, 28, 1))

    # Encoder
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(input)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)

    # Decoder
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

    # Autoencoder
    autoencoder = Model(input, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder


def train(autoencoder, data, epochs=150, batch_size=128, **fit_options):
    train_data, _ = data["train"]
    test_data = data["test"]
    noisy_train_data = data["noisy_train"]
    noisy_test_data, _ = data["evaluations"]["test"]
    # lightning-port: the listing's 50 and 100 epochs (scaled for a shorter run)
    first, total = phase_bounds((50, 100), epochs)

    autoencoder.fit(
        x=train_data,
        y=train_data,
        epochs=first,
        batch_size=batch_size,
        shuffle=True,
        validation_data=(test_data, test_data),
        **fit_options,
    )

    """
    Now that we know that our autoencoder works, let's retrain it using the noisy
    data as our input and the clean data as our target. We want our autoencoder to
    learn how to denoise the images.
    """

    return autoencoder.fit(
        x=noisy_train_data,
        y=train_data,
        epochs=total - first,
        batch_size=batch_size,
        shuffle=True,
        validation_data=(noisy_test_data, test_data),
        **fit_options,
    )


def evaluate(autoencoder, data):
    # lightning-port: the listing predicts on noisy_test_data to show the denoised digits;
    # its loss against the clean digits is the figure both frameworks are compared on.
    noisy_test_data, test_data = data["evaluations"]["test"]
    return {"test": autoencoder.evaluate(noisy_test_data, test_data, verbose=0)}
