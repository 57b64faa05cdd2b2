"""
Title: The Functional API ("A toy ResNet model")
Author: fchollet
Source: https://keras.io/guides/functional_api/ (keras-io guides/functional_api.py)

The guide's toy ResNet for CIFAR-10: two residual blocks joined with `layers.add`,
GlobalAveragePooling2D, Dropout and a Dense of 10 logits; compiled as in the guide.

Deviations:
- Shrunk: the convolutions have 8 and 16 filters instead of 32 and 64, and the hidden Dense
  32 units instead of 256. The 32x32x3 input, kernels, padding, pooling and dropout are the
  guide's. (keras_reference/functional_resnet.py keeps the guide's full size for the
  functional_resnet recipe.)
"""

import keras
from keras import layers

SOURCE = {
    "title": "The Functional API (a toy ResNet model)",
    "author": "fchollet",
    "url": "https://keras.io/guides/functional_api/",
    "kind": "Keras guide",
}


def build_model():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(8, 3, activation="relu")(inputs)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(16, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)

    model = keras.Model(inputs, outputs, name="toy_resnet")
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    return model
