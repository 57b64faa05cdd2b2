"""
Title: Overfit and underfit ("Add dropout")
Author: The TensorFlow Authors
Source: https://www.tensorflow.org/tutorials/keras/overfit_and_underfit
        (tensorflow/docs site/en/tutorials/keras/overfit_and_underfit.ipynb)

The tutorial's `dropout_model`: four elu Dense layers each followed by Dropout(0.5), and a
Dense logit, compiled as the tutorial's `compile_and_fit` does (Adam on an InverseTimeDecay
schedule, binary crossentropy from logits, its crossentropy and accuracy metrics).

Deviations:
- Shrunk: 16 units instead of 512 in the hidden layers. The 28 Higgs features, the dropout
  rate and the schedule are the tutorial's.
- `metrics` names the crossentropy metric class (`keras.metrics.BinaryCrossentropy`, same
  options and name) where the stored listing passes the loss class of the same name.
- The first layer keeps the tutorial's `input_shape` argument (Keras 3 turns it into an
  InputLayer and warns).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Overfit and underfit (dropout)",
    "author": "The TensorFlow Authors",
    "url": "https://www.tensorflow.org/tutorials/keras/overfit_and_underfit",
    "kind": "TensorFlow tutorial",
}

FEATURES = 28
N_TRAIN = int(1e4)
BATCH_SIZE = 500
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE


def get_optimizer():
    lr_schedule = keras.optimizers.schedules.InverseTimeDecay(
        0.001,
        decay_steps=STEPS_PER_EPOCH * 1000,
        decay_rate=1,
        staircase=False,
    )
    return keras.optimizers.Adam(lr_schedule)


def build_model():
    dropout_model = keras.Sequential([
        layers.Dense(16, activation="elu", input_shape=(FEATURES,)),
        layers.Dropout(0.5),
        layers.Dense(16, activation="elu"),
        layers.Dropout(0.5),
        layers.Dense(16, activation="elu"),
        layers.Dropout(0.5),
        layers.Dense(16, activation="elu"),
        layers.Dropout(0.5),
        layers.Dense(1),
    ])
    dropout_model.compile(
        optimizer=get_optimizer(),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"), "accuracy"],
    )
    return dropout_model
