"""
Title: Time series forecasting ("Convolution neural network")
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/structured_data/time_series
        (tensorflow/docs site/en/tutorials/structured_data/time_series.ipynb)

The tutorial's `conv_model` (a Conv1D over CONV_WIDTH hours, a relu Dense, a Dense of one
prediction per step), compiled as the tutorial's `compile_and_fit` does.

Deviations:
- Nothing shrunk: 3-hour windows of the tutorial's 19 weather features are small.
- `keras.Input(shape=(CONV_WIDTH, num_features))` states the shape the tutorial's model
  takes on its first batch of `conv_window`, so that the model is built before it is saved.
- `tf.losses`, `tf.optimizers`, `tf.metrics` are `keras.losses`, `keras.optimizers`,
  `keras.metrics`.
"""

import keras

SOURCE = {
    "title": "Time series forecasting (convolution neural network)",
    "author": "The TensorFlow Authors",
    "url": "https://www.tensorflow.org/tutorials/structured_data/time_series",
    "kind": "TensorFlow tutorial",
}

CONV_WIDTH = 3
num_features = 19


def build_model():
    conv_model = keras.Sequential([
        keras.Input(shape=(CONV_WIDTH, num_features)),
        keras.layers.Conv1D(filters=32, kernel_size=(CONV_WIDTH,), activation="relu"),
        keras.layers.Dense(units=32, activation="relu"),
        keras.layers.Dense(units=1),
    ])
    conv_model.compile(
        loss=keras.losses.MeanSquaredError(),
        optimizer=keras.optimizers.Adam(),
        metrics=[keras.metrics.MeanAbsoluteError()],
    )
    return conv_model
