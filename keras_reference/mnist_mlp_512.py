"""
Title: A first look at a neural network
Original author: François Chollet, Deep Learning with Python (Manning), section 2.1
Description: a 784-512-10 MLP on MNIST with `'rmsprop'`; the reference for `mnist_mlp_512`.

Deviations from the book, each marked in the code:
- Data comes from the project's shared loader instead of `mnist.load_data()`.
- `from keras import models, layers` as in the book; `to_categorical` from `keras.utils`
  (the book's `keras.utils.to_categorical`, unchanged in Keras 3).
"""

from keras import layers, models
from keras.utils import to_categorical

"""
## Prepare the data
"""


def prepare_data(splits):
    # lightning-port: was `(train_images, train_labels), (test_images, test_labels) = mnist.load_data()`
    train_images, train_labels = splits.train
    test_images, test_labels = splits.evaluations["test"]

    # lightning-port: the book's `reshape((60000, 28 * 28))` as `reshape((-1, 28 * 28))` so
    # that --max-train-samples works; identical on the full set.
    train_images = train_images.reshape((-1, 28 * 28))
    train_images = train_images.astype('float32') / 255

    test_images = test_images.reshape((-1, 28 * 28))
    test_images = test_images.astype('float32') / 255

    train_labels = to_categorical(train_labels, 10)
    test_labels = to_categorical(test_labels, 10)
    return {"train": (train_images, train_labels), "evaluations": {"test": (test_images, test_labels)}}


"""
## The network architecture
"""


def build_model():
    network = models.Sequential()
    network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation='softmax'))

    """
    ## The compilation step
    """
    network.compile(optimizer='rmsprop',
                    loss='categorical_crossentropy',
                    metrics=['accuracy'])
    return network


"""
## Training the network
"""


def train(network, data, epochs=5, batch_size=128, **fit_options):
    train_images, train_labels = data["train"]
    return network.fit(train_images, train_labels, epochs=epochs, batch_size=batch_size, **fit_options)


def evaluate(network, data):
    test_images, test_labels = data["evaluations"]["test"]
    test_loss, test_acc = network.evaluate(test_images, test_labels, verbose=0)
    return {"test": [test_loss, test_acc]}
