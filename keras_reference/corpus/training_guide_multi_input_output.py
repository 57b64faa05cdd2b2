"""
Title: Training & evaluation with the built-in methods ("Passing data to multi-input,
       multi-output models")
Author: fchollet
Source: https://keras.io/guides/training_with_built_in_methods/
        (keras-io guides/training_with_built_in_methods.py)

The guide's model with an image input and a timeseries input of any length (Conv2D and
Conv1D, each globally max-pooled, concatenated) and two outputs, a score and five class
logits; compiled with the guide's per-output losses, metrics and loss weights (its
compile() call with `loss_weights`).

Deviations:
- Nothing shrunk: Conv2D and Conv1D of 3 filters on 32x32x3 images and 10-feature series
  are small already. The timeseries input keeps the guide's `shape=(None, 10)`.
"""

import keras
from keras import layers

SOURCE = {
    "title": "Training & evaluation with the built-in methods (multi-input, multi-output)",
    "author": "fchollet",
    "url": "https://keras.io/guides/training_with_built_in_methods/",
    "kind": "Keras guide",
}


def build_model():
    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")

    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)

    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)

    x = layers.concatenate([x1, x2])

    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)

    model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "score_output": keras.losses.MeanSquaredError(),
            "class_output": keras.losses.CategoricalCrossentropy(),
        },
        metrics={
            "score_output": [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            "class_output": [keras.metrics.CategoricalAccuracy()],
        },
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )
    return model
