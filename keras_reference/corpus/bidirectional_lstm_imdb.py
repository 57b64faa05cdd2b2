"""
Title: Bidirectional LSTM on IMDB
Author: fchollet
Source: https://keras.io/examples/nlp/bidirectional_lstm_imdb/
        (keras-io examples/nlp/bidirectional_lstm_imdb.py)

The tutorial's model: word indices of any length, Embedding, two Bidirectional LSTM
layers, a sigmoid Dense; compiled as in the tutorial.

Deviations:
- Shrunk: a vocabulary of 200 words instead of 20,000, 8-dimensional embeddings instead of
  128, and LSTMs of 4 units instead of 64.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Bidirectional LSTM on IMDB",
    "author": "fchollet",
    "url": "https://keras.io/examples/nlp/bidirectional_lstm_imdb/",
    "kind": "keras-io example",
}

max_features = 200


def build_model():
    # Word indices of any length.
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 8)(inputs)
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(4))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
