"""
Title: Your First Deep Learning Project in Python with Keras Step-by-Step
Original author: Jason Brownlee (Machine Learning Mastery)
Source: https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/
Description: an 8-12-1 network on the Pima Indians diabetes CSV; the reference for `pima_mlp`.

Deviations from the article, each marked in the code:
- The recipe is the article's earlier 8-12-1 network: one hidden layer of 12,
  trained 100 epochs; the current article adds a second hidden layer of 8 and trains 150.
- The CSV is parsed by the project's shared loader (the same float64 values
  `loadtxt(..., delimiter=',')` gives, with errors that name the bad line).
- Optional (`--holdout F`): a stratified held-out split scored besides the training data.
"""

from keras.layers import Dense
from keras.models import Sequential

"""
## Load Data
"""


def prepare_data(splits):
    # lightning-port: was `dataset = loadtxt('pima-indians-diabetes.csv', delimiter=',')`,
    # `X = dataset[:,0:8]`, `y = dataset[:,8]`
    X, y = splits.train
    return {"train": (X, y), "evaluations": dict(splits.evaluations)}


"""
## Define Keras Model
"""


def build_model():
    model = Sequential()
    model.add(Dense(12, input_dim=8, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))

    """
    ## Compile Keras Model
    """
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    return model


"""
## Fit Keras Model
"""


def train(model, data, epochs=100, batch_size=10, **fit_options):
    X, y = data["train"]
    return model.fit(X, y, epochs=epochs, batch_size=batch_size, **fit_options)


"""
## Evaluate Keras Model
"""


def evaluate(model, data):
    # The article evaluates on its training data: `_, accuracy = model.evaluate(X, y)`.
    return {name: model.evaluate(X, y, verbose=0) for name, (X, y) in data["evaluations"].items()}
