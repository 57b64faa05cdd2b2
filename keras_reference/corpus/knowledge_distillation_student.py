"""
Title: Knowledge Distillation
Author: Kenneth Borup
Source: https://keras.io/examples/vision/knowledge_distillation/
        (keras-io examples/vision/knowledge_distillation.py)

The tutorial's student network, compiled as its `student_scratch` (the student trained
from scratch for comparison). The Distiller is a subclassed model with its own
train_step, which has no graph of layers to port; the student is the model it trains.

Deviations:
- Nothing shrunk: the student (16 and 32 filters on 28x28 images) is small already.
- `keras.models.clone_model(student)` is left out: the clone has the same layers, and a
  fresh build gives them their own weights as cloning does.
- `layers.LeakyReLU(alpha=0.2)` is written with Keras 3's name for the same argument,
  `negative_slope=0.2` (Keras 3 renames `alpha` and warns).
"""

import keras
from keras import layers

SOURCE = {
    "title": "Knowledge Distillation",
    "author": "Kenneth Borup",
    "url": "https://keras.io/examples/vision/knowledge_distillation/",
    "kind": "keras-io example",
}


def build_model():
    student_scratch = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(10),
        ],
        name="student",
    )
    student_scratch.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    return student_scratch
