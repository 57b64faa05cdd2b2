"""
Title: Timeseries classification from scratch
Author: hfawaz
Source: https://keras.io/examples/timeseries/timeseries_classification_from_scratch/
        (keras-io examples/timeseries/timeseries_classification_from_scratch.py)

The tutorial's fully convolutional network (three Conv1D, BatchNormalization, ReLU
blocks, GlobalAveragePooling1D, a softmax Dense) and its compile() call.

Deviations:
- Shrunk: series of 32 steps instead of FordA's 500, and 8 filters instead of 64. Kernel
  sizes, padding, one channel and the two classes are the tutorial's.
- `make_model` reads `num_classes` from its module as in the tutorial, where it is counted
  from the labels (two classes in FordA).
"""

import keras

SOURCE = {
    "title": "Timeseries classification from scratch",
    "author": "hfawaz",
    "url": "https://keras.io/examples/timeseries/timeseries_classification_from_scratch/",
    "kind": "keras-io example",
}

num_classes = 2
series_shape = (32, 1)


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


def build_model():
    model = make_model(input_shape=series_shape)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model
