"""
Title: Text classification from scratch
Authors: Mark Omernick, Francois Chollet
Source: https://keras.io/examples/nlp/text_classification_from_scratch/
        (keras-io examples/nlp/text_classification_from_scratch.py)

The tutorial's model on integer sequences ("Build a model"): an input of word indices of
any length, Embedding, Dropout, two strided Conv1D, GlobalMaxPooling1D, a hidden Dense,
Dropout and the sigmoid output, compiled as in the tutorial. (The tutorial's end-to-end
model with TextVectorization is `text_classification_end_to_end`.)

Deviations:
- Shrunk: a vocabulary of 200 words instead of 20,000, 8-dimensional embeddings instead
  of 128, and 8 units instead of 128 in both Conv1D layers and the hidden Dense.
- The input keeps the tutorial's `shape=(None,)`: the sequences' length is not fixed in
  the model (TextVectorization pads them to 500 before they reach it).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Text classification from scratch",
    "author": "Mark Omernick, Francois Chollet",
    "url": "https://keras.io/examples/nlp/text_classification_from_scratch/",
    "kind": "keras-io example",
}

max_features = 200
embedding_dim = 8


def build_model():
    # An integer input of word indices.
    inputs = keras.Input(shape=(None,), dtype="int64")

    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)

    x = layers.Conv1D(8, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(8, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)

    x = layers.Dense(8, activation="relu")(x)
    x = layers.Dropout(0.5)(x)

    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
