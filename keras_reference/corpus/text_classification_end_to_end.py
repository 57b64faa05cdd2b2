"""
Title: Text classification from scratch ("Make an end-to-end model")
Authors: Mark Omernick, Francois Chollet
Source: https://keras.io/examples/nlp/text_classification_from_scratch/
        (keras-io examples/nlp/text_classification_from_scratch.py)

The tutorial's end-to-end model: a string input, the adapted TextVectorization layer,
then the trained integer-sequence model called as a nested model; compiled as in the
tutorial.

Deviations:
- Shrunk as in `text_classification_from_scratch` (200 words, 8-dimensional embeddings,
  8 units), with sequences of 40 tokens instead of 500.
- TextVectorization uses its default standardization ("lower_and_strip_punctuation")
  instead of the tutorial's `custom_standardization`, which also removes `<br />` tags: a
  Python function in the model would be code the saved file cannot carry safely.
- `adapt` reads three made-up sentences instead of the IMDB training texts.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Text classification from scratch (end-to-end model)",
    "author": "Mark Omernick, Francois Chollet",
    "url": "https://keras.io/examples/nlp/text_classification_from_scratch/",
    "kind": "keras-io example",
}

max_features = 200
embedding_dim = 8
sequence_length = 40
adapt_texts = ["a film worth seeing twice", "not worth the ticket", "the best film this year"]


def integer_sequence_model():
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(8, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(8, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(8, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, predictions)


def build_model():
    vectorize_layer = layers.TextVectorization(
        max_tokens=max_features,
        output_mode="int",
        output_sequence_length=sequence_length,
    )
    vectorize_layer.adapt(adapt_texts)
    model = integer_sequence_model()

    # A string input, turned into word indices, turned into predictions.
    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)

    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return end_to_end_model
