"""
Title: Sequence to sequence learning for performing number addition
Author: Smerity and others
Source: https://keras.io/examples/nlp/addition_rnn/ (keras-io examples/nlp/addition_rnn.py)

The tutorial's Sequential encoder-decoder: an LSTM reads the one-hot question, RepeatVector
feeds its last output to a second LSTM once per answer character, and a softmax Dense
picks each character; compiled as in the tutorial.

Deviations:
- Shrunk: LSTMs of 8 units instead of 128. DIGITS = 3, the 12 characters and the
  sequence lengths are the tutorial's.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Sequence to sequence learning for performing number addition",
    "author": "Smerity and others",
    "url": "https://keras.io/examples/nlp/addition_rnn/",
    "kind": "keras-io example",
}

DIGITS = 3
MAXLEN = DIGITS + 1 + DIGITS
chars = "0123456789+ "
num_layers = 1


def build_model():
    model = keras.Sequential()
    model.add(layers.LSTM(8, input_shape=(MAXLEN, len(chars))))
    model.add(layers.RepeatVector(DIGITS + 1))
    for _ in range(num_layers):
        model.add(layers.LSTM(8, return_sequences=True))
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
