"""
Title: Image classification from scratch
Author: fchollet
Source: https://keras.io/examples/vision/image_classification_from_scratch/
        (keras-io examples/vision/image_classification_from_scratch.py)

The tutorial's small Xception: the `data_augmentation` Sequential block (RandomFlip,
RandomRotation) inside the model ("Option 1" of the tutorial), Rescaling, residual blocks of
SeparableConv2D and BatchNormalization, and its compile() call for two classes.

Deviations:
- Shrunk: 32x32 images instead of 180x180; the entry convolutions have 4 and 8 filters
  (32, 64); the residual blocks 8, 16, 32, 48 (128, 256, 512, 728); the last
  SeparableConv2D 64 (1024). Every layer and option is the tutorial's.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Image classification from scratch",
    "author": "fchollet",
    "url": "https://keras.io/examples/vision/image_classification_from_scratch/",
    "kind": "keras-io example",
}

image_size = (32, 32)


def make_model(input_shape, num_classes):
    # The augmentation block is built here rather than at module level, so that every
    # build_model() call (a fresh Keras session each) gets its own layers.
    data_augmentation = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
        ]
    )
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)

    # Entry block
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(4, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.Conv2D(8, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x

    for size in [8, 16, 32, 48]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x

    x = layers.SeparableConv2D(64, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        activation = "sigmoid"
        units = 1
    else:
        activation = "softmax"
        units = num_classes

    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(units, activation=activation)(x)
    return keras.Model(inputs, outputs)


def build_model():
    model = make_model(input_shape=image_size + (3,), num_classes=2)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model
