"""
Title: Convolutional Neural Network (CNN)
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/images/cnn
        (tensorflow/docs site/en/tutorials/images/cnn.ipynb)

The tutorial's CIFAR-10 convnet built with `add()` (three Conv2D, two MaxPooling2D,
Flatten, a relu Dense, a Dense of 10 logits) and its compile() call.

Deviations:
- Shrunk: the Conv2D layers have 8, 16, 16 filters instead of 32, 64, 64, and the hidden
  Dense 16 units instead of 64. The 32x32x3 input, kernels and pools are the tutorial's.
- `models.Sequential()` is `keras.Sequential()`; the first layer keeps the tutorial's
  `input_shape` argument (Keras 3 turns it into an InputLayer and warns).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Convolutional Neural Network (CNN)",
    "author": "The TensorFlow Authors",
    "url": "https://www.tensorflow.org/tutorials/images/cnn",
    "kind": "TensorFlow tutorial",
}


def build_model():
    model = keras.Sequential()
    model.add(layers.Conv2D(8, (3, 3), activation="relu", input_shape=(32, 32, 3)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(16, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(16, (3, 3), activation="relu"))

    model.add(layers.Flatten())
    model.add(layers.Dense(16, activation="relu"))
    model.add(layers.Dense(10))

    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
