"""
Title: Keras for Beginners: Building Your First Neural Network
Original author: Victor Zhou
Source: https://victorzhou.com/blog/keras-neural-network-tutorial/
Description: a 784-64-64-10 MLP on MNIST, Adam, five epochs; the reference for `mnist_mlp`.

Deviations from the article, each marked in the code:
- Data comes from the project's shared loader (the arrays the Lightning port trains on)
  instead of `mnist.train_images()` from the `mnist` package.
- The steps are wrapped in functions so the runner and the parity tests can call them;
  the statements inside are the article's. Saving and reloading weights is done by the
  runner (`.weights.h5`: Keras 3 requires that suffix for `save_weights`).
"""

import numpy as np
from keras.layers import Dense
from keras.models import Sequential
from keras.utils import to_categorical

"""
## Prepare the data
"""


def prepare_data(splits):
    # lightning-port: was `mnist.train_images()`, `mnist.train_labels()`, ... (downloads)
    train_images, train_labels = splits.train
    test_images, test_labels = splits.evaluations["test"]

    # Normalize the images.
    train_images = (train_images / 255) - 0.5
    test_images = (test_images / 255) - 0.5

    # Flatten the images.
    train_images = train_images.reshape((-1, 784))
    test_images = test_images.reshape((-1, 784))

    # The article one-hot encodes inline, `model.fit(train_images, to_categorical(train_labels), ...)`.
    # lightning-port: num_classes=10 added, so a --max-train-samples prefix lacking a digit
    # still gets ten columns.
    return {
        "train": (train_images, to_categorical(train_labels, 10)),
        "evaluations": {"test": (test_images, to_categorical(test_labels, 10))},
    }


"""
## Build the model
"""


def build_model():
    model = Sequential([
        Dense(64, activation='relu', input_shape=(784,)),
        Dense(64, activation='relu'),
        Dense(10, activation='softmax'),
    ])

    # Compile the model.
    model.compile(
        optimizer='adam',
        loss='categorical_crossentropy',
        metrics=['accuracy'],
    )
    return model


"""
## Train the model
"""


def train(model, data, epochs=5, batch_size=32, **fit_options):
    train_images, train_labels = data["train"]
    return model.fit(
        train_images,
        train_labels,
        epochs=epochs,
        batch_size=batch_size,
        **fit_options,
    )


"""
## Test the model
"""


def evaluate(model, data):
    test_images, test_labels = data["evaluations"]["test"]
    return {"test": model.evaluate(test_images, test_labels, verbose=0)}


def predict_first(model, data, count=5):
    # Predict on the first 5 test images.
    test_images, test_labels = data["evaluations"]["test"]
    predictions = model.predict(test_images[:count], verbose=0)
    # Print our model's predictions.
    return np.argmax(predictions, axis=1), np.argmax(test_labels[:count], axis=1)  # [7, 2, 1, 0, 4]
