"""
Title: Basic classification: Classify images of clothing
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/keras/classification
        (tensorflow/docs site/en/tutorials/keras/classification.ipynb)

The tutorial's Sequential model for Fashion MNIST (Flatten, a relu Dense of 128, a Dense of
10 logits) and its compile() call.

Deviations:
- Nothing shrunk: the model is small already.
- `keras.layers.Flatten(input_shape=(28, 28))` is kept as written: Keras 3 turns the
  argument into an InputLayer (and warns).
"""

import keras

SOURCE = {
    "title": "Basic classification: Classify images of clothing",
    "author": "The TensorFlow Authors",
    "url": "https://www.tensorflow.org/tutorials/keras/classification",
    "kind": "TensorFlow tutorial",
}


def build_model():
    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10),
    ])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
