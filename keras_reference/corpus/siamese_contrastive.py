"""
Title: Image similarity estimation using a Siamese Network with a contrastive loss
Author: Mehdi
Source: https://keras.io/examples/vision/siamese_contrastive/
        (keras-io examples/vision/siamese_contrastive.py)

The tutorial's siamese network: one embedding network (BatchNormalization, tanh Conv2D,
AveragePooling2D, Dense) shared by two image inputs, a Lambda layer computing the
Euclidean distance of the two embeddings, BatchNormalization and a sigmoid Dense; compiled
with the tutorial's contrastive loss.

Deviations:
- Nothing shrunk: 28x28 images, 4 and 16 filters, 10-dimensional embeddings are small
  already.
- `euclidean_distance` and the contrastive loss use `keras.ops` instead of `tf.math` (the
  same arithmetic, any backend); the tutorial's variable `input` is called `inputs`.
"""

import keras
from keras import layers, ops

SOURCE = {
    "title": "Image similarity estimation using a Siamese Network with a contrastive loss",
    "author": "Mehdi",
    "url": "https://keras.io/examples/vision/siamese_contrastive/",
    "kind": "keras-io example",
}

margin = 1


def euclidean_distance(vects):
    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


def loss(margin=1):
    def contrastive_loss(y_true, y_pred):
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


def build_model():
    inputs = keras.Input((28, 28, 1))
    x = layers.BatchNormalization()(inputs)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)

    x = layers.BatchNormalization()(x)
    x = layers.Dense(10, activation="tanh")(x)
    embedding_network = keras.Model(inputs, x)

    input_1 = keras.Input((28, 28, 1))
    input_2 = keras.Input((28, 28, 1))

    # The two towers share one embedding network, weights and all.
    tower_1 = embedding_network(input_1)
    tower_2 = embedding_network(input_2)

    merge_layer = layers.Lambda(euclidean_distance)([tower_1, tower_2])
    normal_layer = layers.BatchNormalization()(merge_layer)
    output_layer = layers.Dense(1, activation="sigmoid")(normal_layer)
    siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)

    siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=["accuracy"])
    return siamese
