"""
Title: The Functional API, "A toy ResNet model"
Author: fchollet
Source: https://keras.io/guides/functional_api/ (keras-io guides/functional_api.py)
Date created: 2019/03/01, last modified 2020/04/12
Description: a toy ResNet for CIFAR-10 built with the Functional API; the reference for
             `functional_resnet`.

Deviations from the guide, each marked in the code:
- Data comes from the project's shared loader (the arrays the Lightning port trains on)
  instead of `keras.datasets.cifar10.load_data()`. The guide's `x_train[:1000]` slice is
  the recipe's `train_samples`, applied by that loader, so that the full-data schedule of the
  outcome evidence can lift it (the guide: "Try to train on the entire dataset until
  convergence!"); `validation_split=0.2` is the guide's.
- The steps are wrapped in functions so the runner and the parity tests can call them; the
  statements inside are the guide's. `model.summary()` and `plot_model` are left out, and
  `compile` moves into `build_model`, as in the other reference modules.
- `from tensorflow import keras` becomes `import keras` (Keras 3, any backend).
"""

import keras
from keras import layers

"""
## A toy ResNet model
"""


def build_model():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)

    model = keras.Model(inputs, outputs, name="toy_resnet")
    # lightning-port: moved here from "Now train the model"
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    return model


"""
## Now train the model
"""


def prepare_data(splits):
    # lightning-port: was `(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()`;
    # `splits.fit` is what fit() receives (the guide's first 1,000 images unless the run lifts
    # the slice), the validation part still in it (validation_split below).
    x_train, y_train = splits.fit
    x_test, y_test = splits.evaluations["test"]

    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    return {"train": (x_train, y_train), "evaluations": {"test": (x_test, y_test)}}


def train(model, data, epochs=1, batch_size=64, **fit_options):
    x_train, y_train = data["train"]
    # lightning-port: the guide's x_train[:1000], y_train[:1000] is applied by the shared loader
    return model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.2, **fit_options)


def evaluate(model, data):
    x_test, y_test = data["evaluations"]["test"]
    score = model.evaluate(x_test, y_test, verbose=0)
    return {"test": score}
