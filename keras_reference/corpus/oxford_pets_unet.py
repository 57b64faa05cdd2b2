"""
Title: Image segmentation with a U-Net-like architecture
Author: fchollet
Source: https://keras.io/examples/vision/oxford_pets_image_segmentation/
        (keras-io examples/vision/oxford_pets_image_segmentation.py)

The tutorial's `get_model`: an Xception-style U-Net with SeparableConv2D and
BatchNormalization on the way down, Conv2DTranspose and UpSampling2D on the way up, and a
projected residual added at every block; compiled as in the tutorial.

Deviations:
- Shrunk: 16x16 images instead of 160x160 (the four halvings leave a 1x1 map at the
  bottom); the downsampling blocks have 8, 16, 32 filters
  (the tutorial: 64, 128, 256) and the upsampling blocks 32, 16, 8, 4 (256, 128, 64, 32);
  the entry block 4 (32). Every layer, kernel, stride, padding and the block structure are
  the tutorial's.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Image segmentation with a U-Net-like architecture",
    "author": "fchollet",
    "url": "https://keras.io/examples/vision/oxford_pets_image_segmentation/",
    "kind": "keras-io example",
}

img_size = (16, 16)
num_classes = 3


def get_model(img_size, num_classes):
    inputs = keras.Input(shape=img_size + (3,))

    # Downsampling: the entry block, then three residual blocks.
    x = layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x

    for filters in [8, 16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x

    # Upsampling: four residual blocks back to the input's size.
    for filters in [32, 16, 8, 4]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.UpSampling2D(2)(x)

        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])
        previous_block_activation = x

    # A per-pixel classification layer.
    outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)
    return keras.Model(inputs, outputs)


def build_model():
    model = get_model(img_size, num_classes)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model
