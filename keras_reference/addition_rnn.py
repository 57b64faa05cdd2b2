"""
Title: Sequence to sequence learning for performing number addition
Author: Smerity and others
Source: https://keras.io/examples/nlp/addition_rnn/ (keras-io examples/nlp/addition_rnn.py)
Date created: 2015/08/17, last modified 2020/04/17
Description: A model that learns to add strings of numbers, e.g. "535+61" -> "596"; the
             reference for `addition_rnn`.

Deviations from the example, each marked in the code:
- The questions and answers come from the project's data layer (data/addition.py), which
  makes them with the example's own steps (CharacterTable, the unique-question loop, the
  shuffle, the 10% split) from a fixed seed instead of NumPy's unseeded global generator, so
  both frameworks train on the same bytes.
- The steps are wrapped in functions so the runner and the parity tests can call them; the
  statements inside are the example's. `model.summary()`, the shape prints and the ten random
  validation questions printed after each epoch are left out (printing them draws from NumPy's
  generator and changes no weight); `compile` moves into `build_model`, as in the other
  reference modules.
- `from tensorflow import keras` becomes `import keras` (Keras 3, any backend).
"""

import keras
from keras import layers

# Parameters for the model and dataset.
TRAINING_SIZE = 50000
DIGITS = 3
REVERSE = True

# Maximum length of input is 'int + int' (e.g., '345+678'). Maximum length of
# int is DIGITS.
MAXLEN = DIGITS + 1 + DIGITS

# All the numbers, plus sign and space for padding.
chars = "0123456789+ "

"""
## Generate the data
"""


def prepare_data(splits):
    # lightning-port: was the question loop, the vectorization, the shuffle and
    # `split_at = len(x) - len(x) // 10`; the data layer ran those steps (data/addition.py).
    (x_train, y_train) = splits.train
    (x_val, y_val) = splits.evaluations["test"]
    return {"train": (x_train, y_train), "evaluations": {"test": (x_val, y_val)}}


"""
## Build the model
"""


def build_model():
    num_layers = 1  # Try to add more LSTM layers!

    model = keras.Sequential()
    # "Encode" the input sequence using a LSTM, producing an output of size 128.
    # Note: In a situation where your input sequences have a variable length,
    # use input_shape=(None, num_feature).
    model.add(layers.LSTM(128, input_shape=(MAXLEN, len(chars))))
    # As the decoder RNN's input, repeatedly provide with the last output of
    # RNN for each time step. Repeat 'DIGITS + 1' times as that's the maximum
    # length of output, e.g., when DIGITS=3, max output is 999+999=1998.
    model.add(layers.RepeatVector(DIGITS + 1))
    # The decoder RNN could be multiple layers stacked or a single layer.
    for _ in range(num_layers):
        # By setting return_sequences to True, return not only the last output but
        # all the outputs so far in the form of (num_samples, timesteps,
        # output_dim). This is necessary as TimeDistributed in the below expects
        # the first dimension to be the timesteps.
        model.add(layers.LSTM(128, return_sequences=True))

    # Apply a dense layer to the every temporal slice of an input. For each of step
    # of the output sequence, decide which character should be chosen.
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


"""
## Train the model
"""


def train(model, data, epochs=29, batch_size=32, **fit_options):
    x_train, y_train = data["train"]
    x_val, y_val = data["evaluations"]["test"]
    # lightning-port: the listing's `epochs = 30` and `for epoch in range(1, epochs)` are 29
    # iterations; a run asks for its epoch count (29 by default) and loops that many times.
    history = None
    for epoch in range(1, epochs + 1):
        history = model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=1,
            validation_data=(x_val, y_val),
            **fit_options,
        )
    return history


def evaluate(model, data):
    # lightning-port: the listing validates after every epoch; the last validation's figures
    # are the outcome (the held-out 10%: per-character accuracy, as Keras reports it).
    x_val, y_val = data["evaluations"]["test"]
    return {"test": model.evaluate(x_val, y_val, verbose=0)}
