"""
Title: The Functional API ("Models with multiple inputs and outputs")
Author: fchollet
Source: https://keras.io/guides/functional_api/ (keras-io guides/functional_api.py)

The guide's ticket model: a title and a body (word indices of any length, each through an
Embedding and an LSTM) and binary tags, concatenated, with a priority output and a
department output; compiled with the guide's per-output losses and loss weights (its
second compile() call, the one keyed by output name).

Deviations:
- Shrunk: a vocabulary of 200 words instead of 10,000, 8-dimensional embeddings instead of
  64, and LSTMs of 8 and 4 units instead of 128 and 32. The 12 tags and 4 departments are
  the guide's.
"""

import keras
from keras import layers

SOURCE = {
    "title": "The Functional API (multiple inputs and outputs)",
    "author": "fchollet",
    "url": "https://keras.io/guides/functional_api/",
    "kind": "Keras guide",
}

num_tags = 12
num_words = 200
num_departments = 4


def build_model():
    title_input = keras.Input(shape=(None,), name="title")  # word indices of any length
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")  # binary vectors

    title_features = layers.Embedding(num_words, 8)(title_input)
    body_features = layers.Embedding(num_words, 8)(body_input)

    title_features = layers.LSTM(8)(title_features)
    body_features = layers.LSTM(4)(body_features)

    x = layers.concatenate([title_features, body_features, tags_input])

    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)

    model = keras.Model(
        inputs=[title_input, body_input, tags_input],
        outputs=[priority_pred, department_pred],
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "priority": keras.losses.BinaryCrossentropy(from_logits=True),
            "department": keras.losses.CategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"priority": 1.0, "department": 0.2},
    )
    return model
