"""
Title: Basic classification: Classify images of clothing ("Make predictions")
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/keras/classification
        (tensorflow/docs site/en/tutorials/keras/classification.ipynb)

The tutorial's `probability_model`: the trained Sequential classifier nested in a second
Sequential model that appends a Softmax layer. The tutorial only predicts with it, never
compiles it: it is measured on its forward outputs only.

Deviations:
- Nothing shrunk: the model is small already.
- The inner model is the tutorial's (see `fashion_mnist_classification`), freshly built
  instead of trained; its compile() call does not travel with it into the outer model.
"""

import keras

SOURCE = {
    "title": "Basic classification: Classify images of clothing (probability model)",
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
    probability_model = keras.Sequential([model, keras.layers.Softmax()])
    return probability_model
