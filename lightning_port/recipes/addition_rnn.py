"""Smerity and others, "Sequence to sequence learning for performing number addition"
(keras-io examples): an LSTM encoder, the encoding repeated once per answer character, an LSTM
decoder and a softmax over the 12 characters at every step."""

from lightning_port.spec import (
    LSTM,
    Adam,
    Article,
    Dense,
    Evidence,
    Phase,
    Preprocessing,
    Recipe,
    RepeatVector,
    ReportedResult,
    ValidationOnTest,
)

# Parameters for the model and dataset (the listing's).
TRAINING_SIZE = 50_000
DIGITS = 3
MAXLEN = DIGITS + 1 + DIGITS
CHARACTERS = 12  # "0123456789+ "
# `epochs = 30`, then `for epoch in range(1, epochs)`: fit(epochs=1) 29 times.
EPOCHS = 29

RECIPE = Recipe(
    name="addition_rnn",
    description="adding numbers of up to 3 digits written as strings ('535+61' -> '596'): LSTM 128, RepeatVector 4, LSTM 128 (sequences), softmax Dense 12 per step; Adam, 29 epochs of batch 32",
    article=Article(
        title="Sequence to sequence learning for performing number addition",
        author="Smerity and others (keras-io examples)",
        url="https://keras.io/examples/nlp/addition_rnn/",
        published="2015-08-17, last modified 2020-04-17",
        note="the listing's data (50,000 questions, DIGITS=3, REVERSE=True, 10% held out) are drawn unseeded; here the data layer draws them once from a fixed seed",
    ),
    dataset="addition",
    input_shape=(MAXLEN, CHARACTERS),
    # The one-hot booleans as float32, as Keras converts them for the first layer.
    preprocessing=Preprocessing(),
    layers=(
        # "Encode" the input sequence using a LSTM, producing an output of size 128.
        LSTM(128),
        # Repeat the encoding once per answer character (DIGITS + 1: 999+999=1998).
        RepeatVector(DIGITS + 1),
        # The decoder (num_layers = 1), returning every step for the per-character Dense.
        LSTM(128, return_sequences=True),
        Dense(CHARACTERS, activation="softmax"),
    ),
    optimizer=Adam(),  # compile(optimizer="adam")
    loss="categorical_crossentropy",
    epochs=EPOCHS,
    # Each loop iteration is its own fit(epochs=1, validation_data=(x_val, y_val)) on the same
    # compiled model (the optimizer's state carries over).
    phases=tuple(Phase(epochs=1) for _ in range(EPOCHS)),
    batch_size=32,
    validation=ValidationOnTest(),  # validation_data=(x_val, y_val): the held-out 10%, every epoch
    parameter_count=205_324,
    reported=ReportedResult(test_accuracy=0.99, note="the listing: 'You'll get to 99+% validation accuracy after ~30 epochs'"),
    accuracy_target=0.95,
    evidence=Evidence(
        # 8, not the first 3: the last epoch's per-character accuracy moves by up to 6 points
        # between consecutive epochs of one run (README, Tests), and 3 seeds gave an interval
        # 1.6 points wide. Fixed at 8 before those 5 more seeds were run.
        outcome_seeds=8,
        outcome_margin_points=1.0,
        full_run_in_default_suite=False,
        quick_samples=2_048,
        quick_loss_drop=0.05,
        heavy=True,
        trajectory_steps=100,
        exact_answers=True,
    ),
    notes=(
        "The listing draws its 50,000 questions and their shuffle from NumPy's global generator, "
        "unseeded; here the data layer draws them with the same calls from RandomState(1337) "
        "(data/addition.py), once, and serves the same bytes to both frameworks.",
        "The listing's loop `for epoch in range(1, epochs)` with epochs = 30 calls fit(epochs=1) 29 "
        "times: 29 epochs, not 30.",
        "The outcome is Keras's per-character accuracy on the held-out 10% (5,000 questions); "
        "result.json also gives the exact-answer rate, the share of those questions whose four "
        "answer characters are all right.",
    ),
)
