"""
Title: The Functional API (ensembling nested models)
Author: fchollet
Source: https://keras.io/guides/functional_api/ (keras-io guides/functional_api.py)

The guide's ensemble: three nested Functional models (a Dense of one unit each) called on
one input, their predictions averaged with `layers.average`. The guide never compiles it:
it is measured on its forward outputs only.

Deviations:
- Nothing shrunk: the models are small already (128 inputs, one unit each).
"""

import keras
from keras import layers

SOURCE = {
    "title": "The Functional API (ensembling)",
    "author": "fchollet",
    "url": "https://keras.io/guides/functional_api/",
    "kind": "Keras guide",
}


def get_model():
    inputs = keras.Input(shape=(128,))
    outputs = layers.Dense(1)(inputs)
    return keras.Model(inputs, outputs)


def build_model():
    model1 = get_model()
    model2 = get_model()
    model3 = get_model()

    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    return keras.Model(inputs=inputs, outputs=outputs)
