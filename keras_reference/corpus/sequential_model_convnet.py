"""
Title: The Sequential model ("A common debugging workflow: add() + summary()")
Author: fchollet
Source: https://keras.io/guides/sequential_model/ (keras-io guides/sequential_model.py)

The guide's convnet built with `add()`: strided and plain Conv2D layers, three
MaxPooling2D stages, GlobalMaxPooling2D and a Dense of 10. The guide never compiles it: it
is measured on its forward outputs only.

Deviations:
- Shrunk: 4 filters instead of 32 in every Conv2D. The 250x250x3 input is the guide's, so
  the feature maps keep the sizes the guide prints (40x40 after the first pooling, 4x4
  before the global pooling).
"""

import keras
from keras import layers

SOURCE = {
    "title": "The Sequential model",
    "author": "fchollet",
    "url": "https://keras.io/guides/sequential_model/",
    "kind": "Keras guide",
}


def build_model():
    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))  # 250x250 RGB images
    model.add(layers.Conv2D(4, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(4, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))

    model.add(layers.Conv2D(4, 3, activation="relu"))
    model.add(layers.Conv2D(4, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(4, 3, activation="relu"))
    model.add(layers.Conv2D(4, 3, activation="relu"))
    model.add(layers.MaxPooling2D(2))

    model.add(layers.GlobalMaxPooling2D())
    model.add(layers.Dense(10))
    return model
