"""
Title: The Functional API ("All models are callable, just like layers")
Author: fchollet
Source: https://keras.io/guides/functional_api/ (keras-io guides/functional_api.py)

The guide's autoencoder made of two nested Functional models: an encoder (Conv2D,
MaxPooling2D, GlobalMaxPooling2D) and a decoder (Reshape, Conv2DTranspose, UpSampling2D),
chained by calling them like layers. The guide never compiles it: it is measured on its
forward outputs only.

Deviations:
- Shrunk: the encoder's convolutions have 4, 8, 8 filters instead of 16, 32, 32, and the
  decoder's 4, 8, 4 instead of 16, 32, 16. The encoder's last convolution keeps 16 filters
  (the 16-dimensional code the decoder reshapes to 4x4x1); 28x28x1 images as in the guide.
"""

import keras
from keras import layers

SOURCE = {
    "title": "The Functional API (all models are callable)",
    "author": "fchollet",
    "url": "https://keras.io/guides/functional_api/",
    "kind": "Keras guide",
}


def build_model():
    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    x = layers.Conv2D(4, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(8, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(8, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)

    encoder = keras.Model(encoder_input, encoder_output, name="encoder")

    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(4, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(8, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(4, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)

    decoder = keras.Model(decoder_input, decoder_output, name="decoder")

    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    return keras.Model(autoencoder_input, decoded_img, name="autoencoder")
