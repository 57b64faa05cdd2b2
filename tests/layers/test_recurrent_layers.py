"""The recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Masking,
Embedding(mask_zero)): both of the port's paths (torch's fused kernel and Keras's cell loop)
held to the float64 truth, the weights named and laid out as Keras's, dropout masks drawn as
Keras's cells draw them, an Embedding's gradient rows seen by every optimizer as Keras's see
them, a saved model with every kind ported through scripts/port.py, and each refusal one line
naming node, class and option, for a reason Keras or the port states."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from lightning_port import spec as L
from lightning_port.evidence.conformance.layers import Case, layer_cases, measure_case
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.keras_graph import model_graph
from lightning_port.layers.kinds.recurrent import loop_everywhere

# Cases whose configuration torch's fused kernel runs (default activations, no mask), measured
# again with every recurrent module forced onto Keras's cell loop.
_FUSED_LABELS = {
    "LSTM": ("units 4 on (5, 3)", "return_sequences", "go_backwards, return_sequences", "use_bias=False", "initial_state from another layer's states"),
    "GRU": ("units 4 on (5, 3)", "go_backwards", "return_state (outputs and states into the head)", "use_bias=False"),
    "SimpleRNN": ("units 4 on (5, 3)", "activation relu (torch's relu kernel)", "return_sequences"),
    "Bidirectional": ("LSTM, merge_mode 'concat'", "GRU, return_sequences, concat"),
}
FUSABLE = [case for case in layer_cases() if case.label in _FUSED_LABELS.get(case.group, ())]


@pytest.mark.parity
@pytest.mark.parametrize("case", [pytest.param(case, id=f"{case.group}: {case.label}", marks=() if index < 4 else pytest.mark.slow) for index, case in enumerate(FUSABLE)])
def test_the_loop_path_meets_the_float64_truth_where_the_fused_kernel_would_run(case, keras_tensorflow, parity):
    with loop_everywhere():
        measurements = measure_case(case)
    for measurement in measurements:
        if measurement.comparison is None:
            continue
        entry = parity.record_truth(f"conformance (loop path): {case.group}: {case.label}: {measurement.quantity}", "conformance", measurement.comparison)
        assert measurement.comparison.float64_agrees and entry.passed, entry.line()


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_fused_and_loop_paths_compute_the_same_in_float64(kind):
    layer = getattr(L, kind)(5, return_sequences=True, return_state=True)
    module = layer.build((7, 3), None).double()
    torch.manual_seed(0)
    with torch.no_grad():
        layer.initialize(module)
        if module.bias is not None:
            module.bias.uniform_(-0.5, 0.5)
    inputs = torch.randn(4, 7, 3, dtype=torch.float64)
    assert module.fusable  # else both calls below would run the loop
    fused = module(inputs)
    module.force_loop = True
    looped = module(inputs)
    for first, second in zip(fused, looped):
        assert torch.allclose(first, second, rtol=0, atol=1e-12)


def test_input_dropout_is_one_mask_per_sequence_and_recurrent_dropout_one_per_gate():
    """Keras's cells draw their dropout masks once per call, shaped (batch, width), used at
    every step; with recurrent dropout an LSTM's (GRU's) cell uses one per gate (implementation=1)."""
    module = L.LSTM(6, dropout=0.5, recurrent_dropout=0.25).build((9, 4), None)
    module.train()
    torch.manual_seed(0)
    inputs, recurrent = module.dropout_masks(torch.zeros(64, 9, 4))
    assert len(inputs) == len(recurrent) == 4
    assert all(mask.shape == (64, 4) for mask in inputs) and all(mask.shape == (64, 6) for mask in recurrent)
    assert set(torch.unique(inputs[0]).tolist()) == {0.0, 2.0}  # kept values scaled by 1 / (1 - rate)
    assert abs(float((inputs[0] == 0).float().mean()) - 0.5) < 0.1
    single, none = L.GRU(3, dropout=0.3).build((5, 2), None).train().dropout_masks(torch.zeros(8, 5, 2))
    assert len(single) == 1 and none is None
    module.eval()
    assert module.dropout_masks(torch.zeros(8, 9, 4)) == (None, None)


@pytest.mark.keras
def test_the_weights_are_named_and_ordered_as_keras_names_them(keras_tensorflow):
    from lightning_port.evidence.parity.keras_models import keras_model_of
    from lightning_port.models import KerasModel
    from lightning_port.models.keras_weights import weight_plan

    inputs = L.Input((6,))
    x = L.Embedding(7, 3, mask_zero=True)(inputs)
    x = L.Bidirectional(L.GRU(4, return_sequences=True, reset_after=False), merge_mode="ave")(x)
    x = L.TimeDistributed(L.Dense(2))(x)
    x = L.Bidirectional(L.LSTM(3), backward_layer=L.SimpleRNN(3, go_backwards=True))(x)
    graph = L.Model(inputs, L.Dense(1)(x)).graph.resolved()
    keras_tensorflow.backend.clear_session()
    live = keras_model_of(graph)
    # A chain of layers is built as a keras.Sequential, whose variable paths start with its name.
    keras_paths = [variable.path.removeprefix(f"{live.name}/") for variable in live.weights]
    assert [entry.keras_path for entry in weight_plan(KerasModel(graph))] == keras_paths
    assert "bidirectional_1/backward_layer".replace("backward_layer", "simple_rnn/simple_rnn_cell/kernel") in keras_paths


@pytest.mark.parity
@pytest.mark.parametrize("optimizer", ["Adam", "Adamax", "Adadelta", "RMSprop (centered, momentum)", "Nadam (clipnorm)", "Adagrad (clipvalue)", "AdamW (global_clipnorm)"])
def test_an_embeddings_gradient_rows_reach_every_optimizer_as_in_keras(optimizer, keras_tensorflow, parity):
    """Tokens repeat within a batch (4 of them over 8 x 6 positions): Keras's optimizers square
    (clip, take |g| of) each looked-up row before a token's rows are summed."""
    spec = {
        "Adam": L.Adam(0.01), "Adamax": L.Adamax(0.01), "Adadelta": L.Adadelta(1.0),
        "RMSprop (centered, momentum)": L.RMSprop(0.01, momentum=0.5, centered=True), "Nadam (clipnorm)": L.Nadam(0.01, clipnorm=0.01),
        "Adagrad (clipvalue)": L.Adagrad(0.1, clipvalue=0.001), "AdamW (global_clipnorm)": L.AdamW(0.01, global_clipnorm=0.01),
    }[optimizer]
    inputs = L.Input((6,))
    pooled = L.GlobalAveragePooling1D()(L.Embedding(4, 3)(inputs))
    case = Case("Embedding", optimizer, None, L.Model(inputs, L.Dense(2)(pooled)), optimizer=spec)
    for measurement in measure_case(case, samples=24):
        if measurement.comparison is None:
            continue
        entry = parity.record_truth(f"Embedding rows, {optimizer}: {measurement.quantity}", "conformance", measurement.comparison)
        assert measurement.comparison.float64_agrees and entry.passed, entry.line()


@pytest.mark.parity
def test_a_saved_model_with_every_recurrent_kind_ports(keras_tensorflow, tmp_path):
    """scripts/port.py on a compiled .keras file: Embedding(mask_zero), Bidirectional GRU,
    TimeDistributed Dense, Masking-free LSTM with states read by the head, SimpleRNN given them
    as its initial state: the recipe module reads back to the same graph and every row passes."""
    import keras

    from lightning_port.porting.port import port_model
    from lightning_port.registry import recipe_from_file

    keras.utils.set_random_seed(0)
    layers = keras.layers
    inputs = keras.Input((6,))
    x = layers.Embedding(9, 4, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="sum")(x)
    x = layers.TimeDistributed(layers.Dense(3, activation="tanh"))(x)
    sequence, hidden, carry = layers.LSTM(3, return_sequences=True, return_state=True, go_backwards=True)(x)
    x = layers.SimpleRNN(3)(sequence, initial_state=[hidden])
    outputs = layers.Dense(1, activation="sigmoid")(layers.Concatenate()([x, carry]))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "text.keras")
    report = port_model(tmp_path / "text.keras", tmp_path / "ported")
    ported = recipe_from_file(tmp_path / "ported" / "recipe.py")
    assert [layer.keras_class for layer in ported.graph.layers] == ["Embedding", "Bidirectional", "TimeDistributed", "LSTM", "SimpleRNN", "Concatenate", "Dense"]
    assert report["passed"], json.dumps(report["parity"], indent=1)
    assert not report["architecture"]["differences"]


def _one_line_refusal(error, node: str, keras_class: str, option: str):
    message = str(error)
    assert "\n" not in message, message
    assert f"node '{node}' ({keras_class})" in message and option in message, message


def _functional_config(keras, build):
    keras.backend.clear_session()
    model = build(keras)
    return type(model).__name__, model.get_config()


REFUSALS = {
    "stateful=True": (lambda keras: keras.Sequential([keras.Input((5, 2), batch_size=4), keras.layers.LSTM(3, stateful=True, name="memory")]), "memory", "LSTM", "stateful=True"),
    "a recurrent regularizer": (lambda keras: keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3, recurrent_regularizer="l2", name="gated")]), "gated", "GRU", "recurrent_regularizer"),
    "a mask reaching BatchNormalization": (
        lambda keras: keras.Sequential([keras.Input((5,)), keras.layers.Embedding(6, 3, mask_zero=True), keras.layers.BatchNormalization(name="normal")]),
        "normal", "BatchNormalization", "mask",
    ),
    "TimeDistributed of a model": (
        lambda keras: keras.Sequential([keras.Input((4, 3)), keras.layers.TimeDistributed(keras.Sequential([keras.layers.Dense(2)]), name="every")]),
        "every", "TimeDistributed", "layer=Sequential",
    ),
}


@pytest.mark.keras
@pytest.mark.parametrize("name", list(REFUSALS))
def test_each_refusal_is_one_line_naming_node_class_and_option(name, keras_tensorflow):
    build, node, keras_class, option = REFUSALS[name]
    class_name, config = _functional_config(keras_tensorflow, build)
    with pytest.raises(UnsupportedLayer) as error:
        model_graph(class_name, config)
    _one_line_refusal(error.value, node, keras_class, option)


@pytest.mark.keras
def test_an_explicit_mask_argument_is_refused_where_keras_would_not_have_made_it(keras_tensorflow):
    keras = keras_tensorflow
    keras.backend.clear_session()
    values, steps = keras.Input((5, 2)), keras.Input((5,), dtype="bool")
    model = keras.Model([values, steps], keras.layers.LSTM(3, name="reader")(values, mask=steps))
    with pytest.raises(UnsupportedLayer) as error:
        model_graph("Functional", model.get_config())
    _one_line_refusal(error.value, "reader", "LSTM", "mask=")


def test_spec_refusals_name_the_option():
    with pytest.raises(UnsupportedLayer, match="option dropout=1.0"):
        L.LSTM(3, dropout=1.0)
    with pytest.raises(UnsupportedLayer, match="go_backwards=True"):
        L.Bidirectional(L.GRU(3, go_backwards=True))
    with pytest.raises(UnsupportedLayer, match="merge_mode='max'"):
        L.Bidirectional(L.LSTM(3), merge_mode="max")
    with pytest.raises(UnsupportedLayer, match="differ in return_sequences"):
        L.Bidirectional(L.LSTM(3, return_sequences=True), backward_layer=L.LSTM(3, go_backwards=True))
    with pytest.raises(UnsupportedLayer, match="layer=Dense"):
        L.Bidirectional(L.Dense(3))
