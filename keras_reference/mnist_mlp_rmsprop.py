"""
Title: MNIST MLP with RMSprop (Keras 1-era tutorial)
Source: "Keras：2.2搭建分类神经网络 Classifier" (u012052268, CSDN, 2017-08-26,
        https://blog.csdn.net/u012052268), after the Keras 1.x MNIST example: Dense 32 /
        Activation layers, RMSprop, `np.random.seed(1337)`, two epochs; the reference for
        `mnist_mlp_rmsprop`.

Deviations from the original, each marked in the code:
- Keras 3 renames: `RMSprop(lr=0.001, rho=0.9, epsilon=1e-08, decay=0.0)` becomes
  `RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-08)` (decay=0.0 was a no-op),
  `np_utils.to_categorical` becomes `keras.utils.to_categorical`, `nb_epoch` becomes `epochs`.
- Data comes from the project's shared loader instead of `mnist.load_data()`.
- The seed is set by the runner (`--seed`, default SEED below) through
  `keras.utils.set_random_seed`, which also seeds NumPy as the original's
  `np.random.seed(1337)` did; the runner then clears TensorFlow's global seed, so that `fit`
  draws a fresh order every epoch as Keras 1's did (`keras_reference/run.py`, `seed_the_run`).
"""

from keras.layers import Activation, Dense
from keras.models import Sequential
from keras.optimizers import RMSprop
from keras.utils import to_categorical  # Keras 3: was `from keras.utils import np_utils`

SEED = 1337  # np.random.seed(1337)  # for reproducibility

"""
## Prepare the data
"""


def prepare_data(splits):
    # lightning-port: was `(X_train, y_train), (X_test, y_test) = mnist.load_data()`
    X_train, y_train = splits.train
    X_test, y_test = splits.evaluations["test"]

    X_train = X_train.reshape(len(X_train), 784).astype('float32') / 255
    X_test = X_test.reshape(len(X_test), 784).astype('float32') / 255
    # lightning-port: `reshape(60000, 784)` written as `reshape(len(X_train), 784)` so that
    # --max-train-samples works; identical on the full set.

    # Keras 3: was `np_utils.to_categorical(y_train, 10)`
    Y_train = to_categorical(y_train, 10)
    Y_test = to_categorical(y_test, 10)
    return {"train": (X_train, Y_train), "evaluations": {"test": (X_test, Y_test)}}


"""
## Build the model
"""


def build_model():
    model = Sequential()
    model.add(Dense(32, input_dim=784))
    model.add(Activation('relu'))
    model.add(Dense(10))
    model.add(Activation('softmax'))

    # Keras 3: was `RMSprop(lr=0.001, rho=0.9, epsilon=1e-08, decay=0.0)`
    rmsprop = RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-08)
    model.compile(optimizer=rmsprop, loss='categorical_crossentropy', metrics=['accuracy'])
    return model


"""
## Train the model
"""


def train(model, data, epochs=2, batch_size=32, **fit_options):
    X_train, Y_train = data["train"]
    # Keras 3: was `model.fit(X_train, Y_train, nb_epoch=2, batch_size=32)`
    return model.fit(X_train, Y_train, epochs=epochs, batch_size=batch_size, **fit_options)


"""
## Evaluate
"""


def evaluate(model, data):
    X_test, Y_test = data["evaluations"]["test"]
    loss, accuracy = model.evaluate(X_test, Y_test, verbose=0)
    return {"test": [loss, accuracy]}
