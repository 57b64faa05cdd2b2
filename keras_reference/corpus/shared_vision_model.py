"""
Title: Getting started with the Keras functional API ("Shared vision model")
Author: the Keras team (Keras 2 documentation)
Source: https://github.com/keras-team/keras/blob/d5e7ddadbc8dea6208fb3e60ca6c741485ce4d64/docs/templates/getting-started/functional-api-guide.md
        (the Keras 2 guide once published at keras.io/getting-started/functional-api-guide/)

The guide's model telling whether two MNIST digits are the same: one vision model (two
Conv2D, MaxPooling2D, Flatten) shared, weights and all, by two image inputs; the two
encodings concatenated into a sigmoid Dense. The guide never compiles it: it is measured on
its forward outputs only.

Deviations:
- Shrunk: 8 filters instead of 64 in both Conv2D layers; the 27x27x1 inputs are the
  guide's.
- `from keras.layers import ...` and `keras.layers.concatenate` are written through
  `keras.layers` (Keras 3).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Getting started with the Keras functional API (shared vision model)",
    "author": "the Keras team",
    "url": "https://github.com/keras-team/keras/blob/d5e7ddadbc8dea6208fb3e60ca6c741485ce4d64/docs/templates/getting-started/functional-api-guide.md",
    "kind": "Keras guide",
}


def build_model():
    # The vision module.
    digit_input = keras.Input(shape=(27, 27, 1))
    x = layers.Conv2D(8, (3, 3))(digit_input)
    x = layers.Conv2D(8, (3, 3))(x)
    x = layers.MaxPooling2D((2, 2))(x)
    out = layers.Flatten()(x)

    vision_model = keras.Model(digit_input, out)

    # The tell-digits-apart model: the vision model is shared by both inputs.
    digit_a = keras.Input(shape=(27, 27, 1))
    digit_b = keras.Input(shape=(27, 27, 1))

    out_a = vision_model(digit_a)
    out_b = vision_model(digit_b)

    concatenated = layers.concatenate([out_a, out_b])
    out = layers.Dense(1, activation="sigmoid")(concatenated)

    return keras.Model([digit_a, digit_b], out)
