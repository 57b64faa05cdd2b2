"""
Title: Basic regression: Predict fuel efficiency
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/keras/regression
        (tensorflow/docs site/en/tutorials/keras/regression.ipynb)

The tutorial's DNN regression on all inputs (`dnn_model = build_and_compile_model(normalizer)`):
a Normalization layer adapted to the training features, two relu Dense layers of 64 and
a Dense of one; compiled with the mean absolute error and Adam(0.001).

Deviations:
- Nothing shrunk: the model is small already (the tutorial's 9 feature columns).
- The normalizer is adapted to 100 seeded normal rows instead of the Auto MPG training
  features (no data set is read here); `preprocessing.Normalization()` is Keras 3's
  `layers.Normalization()`.
- `keras.Input(shape=(9,))` states the shape the tutorial's model takes on its first call
  (the nine feature columns), so that the model is built before it is saved.
"""

import keras
import numpy as np
from keras import layers

SOURCE = {
    "title": "Basic regression: Predict fuel efficiency",
    "author": "The TensorFlow Authors",
    "url": "https://www.tensorflow.org/tutorials/keras/regression",
    "kind": "TensorFlow tutorial",
}

feature_count = 9


def build_and_compile_model(norm):
    model = keras.Sequential([
        keras.Input(shape=(feature_count,)),
        norm,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ])

    model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.Adam(0.001))
    return model


def build_model():
    train_features = np.random.default_rng(0).normal(size=(100, feature_count)).astype("float32")
    normalizer = layers.Normalization(axis=-1)
    normalizer.adapt(np.array(train_features))
    return build_and_compile_model(normalizer)
