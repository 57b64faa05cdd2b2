"""A text model shaped like keras-io's "Bidirectional LSTM on IMDB" (fchollet): Embedding, two
Bidirectional LSTMs, a sigmoid Dense, on the data layer's token task that needs memory
(``data/token_memory.py``: no data set is downloaded here), with what the listing leaves out
and a text model meets: ``mask_zero=True`` on the padded tokens, and dropout in both LSTMs
(input and recurrent dropout in the first, whose cells then draw one mask per gate; input
dropout alone in the second). Sizes are the listing's shape made small (32-dimensional
embedding, 16 units a direction, sequences of 24) so that its 100-step trajectories in both
frameworks and both precisions take seconds.

Its evidence, as ``cifar_cnn``'s: forward outputs, gradients and optimizer steps against the
float64 truth on its own data (``tests/parity/test_text_model.py``), and a 100-step training
trajectory with the same dropout masks injected into both frameworks (``trajectories.py``).
"""

from __future__ import annotations

import numpy as np

from lightning_port.data.token_memory import LENGTH, VOCABULARY, token_memory_arrays
from lightning_port.evidence.parity.trajectories import draw_randomness, keras_trajectory, port_trajectory
from lightning_port.evidence.parity.truth import compare, compare_trajectory
from lightning_port.spec import LSTM, Adam, Article, Bidirectional, Dense, Embedding, Input, Model, Preprocessing, Recipe, ReportedResult

EMBEDDING = 32
UNITS = 16
BATCH_SIZE = 32
TRAJECTORY_STEPS = 100


def text_model() -> Recipe:
    inputs = Input(shape=(LENGTH,))
    x = Embedding(VOCABULARY, EMBEDDING, mask_zero=True)(inputs)
    x = Bidirectional(LSTM(UNITS, return_sequences=True, dropout=0.2, recurrent_dropout=0.2))(x)
    x = Bidirectional(LSTM(UNITS, dropout=0.2))(x)
    outputs = Dense(1, activation="sigmoid")(x)
    return Recipe(
        name="text_bilstm",
        description="token task needing memory: Embedding(mask_zero), 2 x Bidirectional LSTM with dropout, sigmoid Dense; Adam, batch 32",
        article=Article(
            title="Bidirectional LSTM on IMDB",
            author="fchollet (keras-io examples)",
            url="https://keras.io/examples/nlp/bidirectional_lstm_imdb/",
            published="2020-05-03",
            note="the listing's layers, made small, with mask_zero and dropout, on the data layer's token task instead of IMDB",
        ),
        dataset="token_memory",
        preprocessing=Preprocessing(),
        layers=Model(inputs, outputs),
        optimizer=Adam(),  # compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        loss="binary_crossentropy",
        epochs=2,
        batch_size=BATCH_SIZE,
        parameter_count=0,
        reported=ReportedResult(),
        accuracy_target=0.0,
    )


def text_batches(count: int, batch_size: int = BATCH_SIZE) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` batches of the task's training tokens (as float32, Keras's floatx) and labels."""
    (tokens, labels), _ = token_memory_arrays()
    return [(tokens[index * batch_size : (index + 1) * batch_size].astype(np.float32), labels[index * batch_size : (index + 1) * batch_size]) for index in range(count)]


def trajectory_comparisons(recipe: Recipe, keras32, steps: int = TRAJECTORY_STEPS, seed: int = 0):
    """(losses, updates, detail): the ``steps``-step trajectory of both frameworks in both
    precisions from the Keras model's weights, the dropout masks injected, judged against the
    float64 truth as the tutorials' trajectories are (root mean square over the steps)."""
    from lightning_port.evidence.parity.keras_models import float64_twin
    from lightning_port.evidence.parity.keras_probes import mirrored_backbone

    batches = text_batches(steps, recipe.batch_size)
    randomness = draw_randomness(recipe, steps, recipe.batch_size, seed)
    start = keras32.get_weights()
    port32 = mirrored_backbone(recipe, keras32)
    before = {key: parameter.detach().double().numpy().copy() for key, parameter in port32.named_parameters()}
    keras_run32 = keras_trajectory(recipe, keras32, batches, randomness)
    keras32.set_weights(start)
    as64 = [(inputs.astype(np.float64), labels) for inputs, labels in batches]
    with float64_twin(keras32, recipe) as keras64:
        port64 = mirrored_backbone(recipe, keras64)
        keras_run64 = keras_trajectory(recipe, keras64, as64, randomness)
    port_run32 = port_trajectory(recipe, port32, batches, randomness)
    port_run64 = port_trajectory(recipe, port64, as64, randomness)
    runs = (port_run32, keras_run32, port_run64, keras_run64)
    losses = compare_trajectory(*([{"loss": np.array(value)} for value in run.losses] for run in runs))
    worst = compare(*({"losses": run.losses} for run in runs))
    updates = compare_trajectory(*(run.checkpoints for run in runs), before=[before] * len(keras_run64.checkpoints))
    cells = len(randomness.recurrent[0]) if randomness.recurrent else 0
    detail = (
        f"rms over {steps} steps; worst step port {worst.port_error:.2e} Keras {worst.keras_error:.2e}; "
        f"loss {keras_run64.losses[0]:.3f} -> {keras_run64.losses[-1]:.3f}; recurrent dropout masks of {cells} cells injected"
    )
    return losses, updates, detail


__all__ = ["text_batches", "text_model", "trajectory_comparisons"]
