"""
Title: Image classification with ConvMixer
Author: Sayak Paul
Source: https://keras.io/examples/vision/convmixer/ (keras-io examples/vision/convmixer.py)

The tutorial's ConvMixer: Rescaling, a patch-embedding Conv2D, ConvMixer blocks of
DepthwiseConv2D with a residual Add and a pointwise Conv2D, each followed by gelu and
BatchNormalization, then GlobalAvgPool2D and a softmax Dense; compiled with AdamW as in
the tutorial's `run_experiment`.

Deviations:
- Shrunk: 16 channels instead of 256 and a depth of 2 instead of 8 (ConvMixer-16/2 instead
  of -256/8). Image size 32, kernel size 5, patch size 2 and 10 classes are the tutorial's.
- `tfa.optimizers.AdamW` (TensorFlow Addons) becomes `keras.optimizers.AdamW` with the same
  learning rate and weight decay (Keras 3 has AdamW built in; Addons is retired).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Image classification with ConvMixer",
    "author": "Sayak Paul",
    "url": "https://keras.io/examples/vision/convmixer/",
    "kind": "keras-io example",
}

learning_rate = 0.001
weight_decay = 0.0001


def activation_block(x):
    x = layers.Activation("gelu")(x)
    return layers.BatchNormalization()(x)


def conv_stem(x, filters: int, patch_size: int):
    x = layers.Conv2D(filters, kernel_size=patch_size, strides=patch_size)(x)
    return activation_block(x)


def conv_mixer_block(x, filters: int, kernel_size: int):
    # Depthwise convolution, with a residual connection.
    x0 = x
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, padding="same")(x)
    x = layers.Add()([activation_block(x), x0])

    # Pointwise convolution.
    x = layers.Conv2D(filters, kernel_size=1)(x)
    x = activation_block(x)

    return x


def get_conv_mixer(image_size=32, filters=16, depth=2, kernel_size=5, patch_size=2, num_classes=10):
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)

    # Patch embeddings.
    x = conv_stem(x, filters, patch_size)

    for _ in range(depth):
        x = conv_mixer_block(x, filters, kernel_size)

    # Classification block.
    x = layers.GlobalAvgPool2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs, outputs)


def build_model():
    model = get_conv_mixer()
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
