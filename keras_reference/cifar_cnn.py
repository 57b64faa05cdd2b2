"""
Title: CIFAR-10 image classification with a CNN and data augmentation
Source: "Building and Training Your First Neural Network with TensorFlow and Keras",
        KDnuggets, May 2023 (https://www.kdnuggets.com/2023/05/building-training-first-neural-network-tensorflow-keras.html);
        its code listing is not preserved, so this is rebuilt from the article's prose. The
        reference for `cifar_cnn`.
Description: three conv blocks (32, 64, 128 filters), Dense 512, Adam(1e-4), 50 epochs of
             batch 64 with ImageDataGenerator augmentation; reported 75.34% test accuracy.

Deviations, each marked in the code:
- Data comes from the project's shared loader (same uint8 arrays as the Lightning side)
  instead of `cifar10.load_data()`; the 45,000 / 5,000 split uses the shared fixed indices.
- `ImageDataGenerator` comes from `tensorflow.keras.preprocessing.image` on the TensorFlow
  backend; on the torch/jax backends (no TensorFlow) the same Keras 3 class is imported
  from where it lives, `keras.src.legacy.preprocessing.image`.
"""

import keras
from keras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from keras.models import Sequential
from keras.optimizers import Adam
from keras.utils import to_categorical

if keras.backend.backend() == "tensorflow":
    from tensorflow.keras.preprocessing.image import ImageDataGenerator
else:  # Keras 3 without TensorFlow: the very class tf.keras re-exports
    from keras.src.legacy.preprocessing.image import ImageDataGenerator

"""
## Prepare the data
"""


def prepare_data(splits):
    # lightning-port: was `(x_train, y_train), (x_test, y_test) = cifar10.load_data()` and a
    # seeded 45,000 / 5,000 split of x_train; the shared loader applies the same fixed split.
    x_train, y_train = splits.train
    x_val, y_val = splits.validation
    x_test, y_test = splits.evaluations["test"]

    x_train = x_train.astype('float32') / 255
    x_val = x_val.astype('float32') / 255
    x_test = x_test.astype('float32') / 255

    y_train = to_categorical(y_train, 10)
    y_val = to_categorical(y_val, 10)
    y_test = to_categorical(y_test, 10)
    return {"train": (x_train, y_train), "validation": (x_val, y_val), "evaluations": {"test": (x_test, y_test)}}


"""
## Build the model
"""


def build_model():
    model = Sequential()
    model.add(Conv2D(32, (3, 3), padding='same', activation='relu', input_shape=(32, 32, 3)))
    model.add(Conv2D(32, (3, 3), padding='same', activation='relu'))
    model.add(MaxPooling2D((2, 2)))
    model.add(Dropout(0.25))

    model.add(Conv2D(64, (3, 3), padding='same', activation='relu'))
    model.add(Conv2D(64, (3, 3), padding='same', activation='relu'))
    model.add(MaxPooling2D((2, 2)))
    model.add(Dropout(0.25))

    model.add(Conv2D(128, (3, 3), padding='same', activation='relu'))
    model.add(Conv2D(128, (3, 3), padding='same', activation='relu'))
    model.add(MaxPooling2D((2, 2)))
    model.add(Dropout(0.25))

    model.add(Flatten())
    model.add(Dense(512, activation='relu'))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation='softmax'))

    model.compile(optimizer=Adam(learning_rate=1e-4), loss='categorical_crossentropy', metrics=['accuracy'])
    return model


"""
## Data augmentation
"""


def make_generator():
    return ImageDataGenerator(
        rotation_range=15,
        width_shift_range=0.1,
        height_shift_range=0.1,
        horizontal_flip=True,
    )


"""
## Train the model
"""


def train(model, data, epochs=50, batch_size=64, **fit_options):
    x_train, y_train = data["train"]
    datagen = make_generator()
    return model.fit(
        datagen.flow(x_train, y_train, batch_size=batch_size),
        epochs=epochs,
        validation_data=data["validation"],
        **fit_options,
    )


"""
## Evaluate
"""


def evaluate(model, data):
    x_test, y_test = data["evaluations"]["test"]
    return {"test": model.evaluate(x_test, y_test, verbose=0)}
