"""
Title: Convolutional autoencoder for image denoising
Author: Santiago L. Valdarrama
Source: https://keras.io/examples/vision/autoencoder/ (keras-io examples/vision/autoencoder.py)

The tutorial's Functional autoencoder (Conv2D/MaxPooling2D encoder, strided
Conv2DTranspose decoder) and its compile() call.

Deviations:
- Shrunk: 16x16 images instead of MNIST's 28x28, and 8 filters instead of 32 in every
  hidden layer. Kernels, strides, padding and activations are the tutorial's.
- `layers.Input` is written `keras.Input` (the same function); the tutorial's variable
  `input` is called `inputs` so that it does not hide Python's built-in.
"""

import keras
from keras import layers
from keras.models import Model

SOURCE = {
    "title": "Convolutional autoencoder for image denoising",
    "author": "Santiago L. Valdarrama",
    "url": "https://keras.io/examples/vision/autoencoder/",
    "kind": "keras-io example",
}


def build_model():
    inputs = keras.Input(shape=(16, 16, 1))

    # Encoder
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)

    # Decoder
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

    autoencoder = Model(inputs, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    return autoencoder
