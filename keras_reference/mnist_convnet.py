"""
Title: Simple MNIST convnet
Author: fchollet
Source: https://keras.io/examples/vision/mnist_convnet/
Date created: 2015/06/19, last modified 2020/04/21
Description: A simple convnet that achieves ~99% test accuracy on MNIST; the reference for
             `mnist_convnet`.

Deviations from the example, each marked in the code:
- Data comes from the project's shared loader (the arrays the Lightning port trains on)
  instead of `keras.datasets.mnist.load_data()`.
- The steps are wrapped in functions so the runner and the parity tests can call them; the
  statements inside are the example's. `model.summary()` and the shape prints are left out
  (the runner prints its own summary line), and `compile` moves into `build_model`, as in
  the other reference modules.
- `from tensorflow import keras` becomes `import keras` (Keras 3, any backend).
"""

import keras
import numpy as np
from keras import layers

"""
## Prepare the data
"""

# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)


def prepare_data(splits):
    # lightning-port: was `(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()`;
    # `splits.fit` is what fit() receives, the validation part still in it (validation_split below).
    x_train, y_train = splits.fit
    x_test, y_test = splits.evaluations["test"]

    # Scale images to the [0, 1] range
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    # Make sure images have shape (28, 28, 1)
    x_train = np.expand_dims(x_train, -1)
    x_test = np.expand_dims(x_test, -1)

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    return {"train": (x_train, y_train), "evaluations": {"test": (x_test, y_test)}}


"""
## Build the model
"""


def build_model():
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    # lightning-port: moved here from "Train the model"
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


"""
## Train the model
"""


def train(model, data, epochs=15, batch_size=128, **fit_options):
    x_train, y_train = data["train"]
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1, **fit_options)


"""
## Evaluate the trained model
"""


def evaluate(model, data):
    x_test, y_test = data["evaluations"]["test"]
    score = model.evaluate(x_test, y_test, verbose=0)
    return {"test": score}
