"""
Title: The Functional API (the first model: an MNIST classifier)
Author: fchollet
Source: https://keras.io/guides/functional_api/ (keras-io guides/functional_api.py)

The guide's first Functional model (784 inputs, two relu Dense layers of 64, a Dense of 10
logits) and its compile() call from "Training, evaluation, and inference".

Deviations:
- Nothing shrunk: the model is small already.
- `from tensorflow import keras` becomes `import keras` (Keras 3).
"""

import keras
from keras import layers

SOURCE = {
    "title": "The Functional API",
    "author": "fchollet",
    "url": "https://keras.io/guides/functional_api/",
    "kind": "Keras guide",
}


def build_model():
    inputs = keras.Input(shape=(784,))
    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    return model
