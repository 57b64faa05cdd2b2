"""
Title: Basic text classification
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/keras/text_classification
        (tensorflow/docs site/en/tutorials/keras/text_classification.ipynb)

The tutorial's Sequential model on vectorized reviews (Embedding, Dropout,
GlobalAveragePooling1D, Dropout, a Dense logit) and its compile() call.

Deviations:
- Nothing shrunk: 10,001 words of 16 dimensions and 250-token reviews are small enough.
- `keras.Input(shape=(sequence_length,))` states the shape the tutorial's model takes on
  its first batch (TextVectorization pads every review to `sequence_length` tokens), so
  that the model is built before it is saved.
- `tf.metrics.BinaryAccuracy` is `keras.metrics.BinaryAccuracy`, passed in a list: Keras 3's
  compile() takes `metrics` as a list, tuple or dict only.
"""

import keras
from keras import layers, losses

SOURCE = {
    "title": "Basic text classification",
    "author": "The TensorFlow Authors",
    "url": "https://www.tensorflow.org/tutorials/keras/text_classification",
    "kind": "TensorFlow tutorial",
}

max_features = 10000
sequence_length = 250
embedding_dim = 16


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(sequence_length,)),
        layers.Embedding(max_features + 1, embedding_dim),
        layers.Dropout(0.2),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.2),
        layers.Dense(1)])
    model.compile(
        loss=losses.BinaryCrossentropy(from_logits=True),
        optimizer="adam",
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)],
    )
    return model
