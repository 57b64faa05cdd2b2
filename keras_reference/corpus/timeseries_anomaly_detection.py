"""
Title: Timeseries anomaly detection using an Autoencoder
Author: pavithrasv
Source: https://keras.io/examples/timeseries/timeseries_anomaly_detection/
        (keras-io examples/timeseries/timeseries_anomaly_detection.py)

The tutorial's Sequential reconstruction autoencoder (strided Conv1D down, Conv1DTranspose
up, Dropout between) and its compile() call.

Deviations:
- Shrunk: windows of 32 steps instead of 288 (a day of 5-minute values), and 8 and 4
  filters instead of 32 and 16. Kernel size 7, strides, padding and the dropout rate are the
  tutorial's.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Timeseries anomaly detection using an Autoencoder",
    "author": "pavithrasv",
    "url": "https://keras.io/examples/timeseries/timeseries_anomaly_detection/",
    "kind": "keras-io example",
}

TIME_STEPS = 32
num_features = 1


def build_model():
    model = keras.Sequential(
        [
            layers.Input(shape=(TIME_STEPS, num_features)),
            layers.Conv1D(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Dropout(rate=0.2),
            layers.Conv1D(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Conv1DTranspose(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Dropout(rate=0.2),
            layers.Conv1DTranspose(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
            layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    return model
