"""
Title: Simple MNIST convnet
Author: fchollet
Source: https://keras.io/examples/vision/mnist_convnet/ (keras-io examples/vision/mnist_convnet.py)

The tutorial's Sequential convnet and its compile() call.

Deviations:
- Shrunk: the two Conv2D layers have 8 and 16 filters instead of 32 and 64. The input
  (28x28x1), kernels, pool sizes, activations and the dropout rate are the tutorial's.
- `from tensorflow import keras` becomes `import keras` (Keras 3).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Simple MNIST convnet",
    "author": "fchollet",
    "url": "https://keras.io/examples/vision/mnist_convnet/",
    "kind": "keras-io example",
}

num_classes = 10
input_shape = (28, 28, 1)


def build_model():
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
