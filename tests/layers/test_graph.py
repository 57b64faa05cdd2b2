"""The graph of layer calls (lightning_port/layers/graph.py) against live Keras: the same layer
order as Keras's model.layers, the same names a fresh Keras session gives, configs read back
into the same graph, shared layers sharing one set of weights, several inputs and outputs."""

from __future__ import annotations

import pytest
import torch

from lightning_port import spec as L
from lightning_port.evidence.parity.keras_models import keras_model_of
from lightning_port.layers.graph import Graph, InputRef, OutputRef
from lightning_port.layers.keras_graph import canonical_names, model_graph
from lightning_port.models import KerasModel


def toy_resnet():
    """The Keras guide's toy ResNet (guides/functional_api.py), shortened."""
    inputs = L.Input(shape=(12, 12, 3), name="img")
    x = L.Conv2D(4, 3, activation="relu")(inputs)
    block_1_output = L.MaxPooling2D(3)(x)
    x = L.Conv2D(4, 3, activation="relu", padding="same")(block_1_output)
    block_2_output = L.Add()([x, block_1_output]) if "Add" in dir(L) else x
    x = L.GlobalAveragePooling2D()(block_2_output)
    outputs = L.Dense(3)(x)
    return L.Model(inputs, outputs, name="toy_resnet")


def shared_and_two_outputs():
    inputs = L.Input(shape=(6,), name="features")
    shared = L.Dense(4, activation="tanh", name="shared")
    first = shared(inputs)
    second = shared(L.Dense(6, name="project")(inputs))
    head = L.Dense(2, activation="softmax", name="head")(first)
    value = L.Dense(1, name="value")(second)
    return L.Model(inputs, [head, value], name="two_heads")


def nested_block():
    block = L.Sequential(layers=(L.Dense(5, activation="relu"), L.Dropout(0.2)), name="block")
    inputs = L.Input(shape=(4,))
    x = block(inputs)
    return L.Model(inputs, L.Dense(2)(x))


def two_inputs():
    left, right = L.Input(shape=(3,), name="left"), L.Input(shape=(5,), name="right")
    x = L.Dense(4)(left)
    y = L.Dense(4)(right)
    joined = L.Concatenate()([x, y]) if "Concatenate" in dir(L) else x
    return L.Model([left, right], L.Dense(1, activation="sigmoid")(joined))


MODELS = {"toy_resnet": toy_resnet, "shared_and_two_outputs": shared_and_two_outputs, "nested_block": nested_block, "two_inputs": two_inputs}


@pytest.mark.parametrize("name", MODELS)
def test_layer_order_and_names_are_keras(name, keras_tensorflow):
    """Built here and built in a fresh Keras session: the same layers, order and names."""
    keras = keras_tensorflow
    graph = MODELS[name]().graph.resolved()
    keras.backend.clear_session()
    live = keras_model_of(graph)
    assert [layer.name for layer in live.layers if not isinstance(layer, keras.layers.InputLayer)] == [layer.name for layer in graph.layers]
    assert live.count_params() == graph.parameter_count()


@pytest.mark.parametrize("name", MODELS)
def test_a_keras_config_reads_back_to_the_same_graph(name, keras_tensorflow):
    keras = keras_tensorflow
    graph = MODELS[name]().graph.resolved()
    keras.backend.clear_session()
    live = keras_model_of(graph)
    read = model_graph(type(live).__name__, live.get_config())
    assert read.resolved() == graph
    assert canonical_names(read).resolved() == graph


def test_auto_names_follow_creation_order_as_in_a_fresh_keras_session(keras_tensorflow):
    keras = keras_tensorflow
    keras.backend.clear_session()
    inputs = keras.Input((4,))
    a = keras.layers.Dense(3)
    b = keras.layers.Dense(3)
    live = keras.Model(inputs, a(b(inputs)))  # b is called first, a was made first
    ours_inputs = L.Input((4,))
    ours_a, ours_b = L.Dense(3), L.Dense(3)
    graph = L.Model(ours_inputs, ours_a(ours_b(ours_inputs))).graph.resolved()
    assert [layer.name for layer in graph.layers] == [layer.name for layer in live.layers[1:]] == ["dense_1", "dense"]


def test_a_shared_layer_is_one_module_with_one_set_of_weights():
    graph = shared_and_two_outputs().graph.resolved()
    backbone = KerasModel(graph)
    assert [key for key in backbone.state_dict() if key.startswith("shared.")] == ["shared.weight", "shared.bias"]
    shared_calls = [node for node in graph.nodes if graph.layers[node.layer].name == "shared"]
    assert sorted(node.index for node in shared_calls) == [0, 1]
    head, value = backbone(torch.zeros(2, 6))
    assert head.shape == (2, 2) and value.shape == (2, 1)


def test_a_nested_models_layers_are_named_under_it():
    backbone = KerasModel(nested_block().graph.resolved())
    assert list(backbone.state_dict()) == ["block.dense.weight", "block.dense.bias", "dense_1.weight", "dense_1.bias"]


def test_logits_are_returned_where_the_loss_reads_them_and_other_consumers_see_probabilities():
    inputs = L.Input((3,))
    probabilities = L.Dense(4, activation="softmax", name="scores")(inputs)
    echoed = L.Dense(2, name="echo")(probabilities)
    graph = L.Model(inputs, [probabilities, echoed]).graph.resolved()
    backbone = KerasModel(graph, returns_logits=(True, False))
    x = torch.randn(5, 3)
    logits, echo = backbone(x)
    expected_probabilities = torch.softmax(backbone.scores(x), dim=-1)
    assert torch.allclose(logits, backbone.scores(x))
    assert torch.allclose(echo, backbone.echo(expected_probabilities))
    assert torch.allclose(backbone.probabilities((logits, echo))[0], expected_probabilities)


def test_a_stack_is_the_chain_case():
    graph = Graph.stack((4,), (L.Dense(3), L.Dense(2)))
    assert graph.is_stack and graph.nodes[0].arguments == InputRef(0) and graph.outputs == (OutputRef(1),)
    assert graph.resolved().layers[1].name == "dense_1"


def test_a_call_that_does_not_fit_is_refused_naming_the_node():
    from lightning_port.ops.windows import LayerShapeError

    inputs = L.Input((4, 4, 1))
    with pytest.raises(LayerShapeError, match=r"node 'big' \(Conv2D\): a window of 5 does not fit an input of 4"):
        L.Conv2D(2, (5, 5), name="big")(inputs)


def test_an_unknown_length_gets_a_stand_in_every_layer_accepts():
    """Two Conv1D of kernel 7 and stride 3 (keras-io's text classifier) need more than 8 steps:
    the stand-in doubles until the graph's shapes fit; a fixed-shape graph keeps 8."""
    from lightning_port.layers.graph import STAND_IN_LENGTH, concrete
    from lightning_port.spec import Conv1D, Dense, GlobalMaxPooling1D, Input, Model

    inputs = Input((None, 4))
    x = Conv1D(8, 7, strides=3)(inputs)
    x = Conv1D(8, 7, strides=3)(x)
    graph = Model(inputs, Dense(1)(GlobalMaxPooling1D()(x))).graph
    length = graph.stand_in_length()
    assert length == 32 and concrete(graph.inputs[0].shape, length) == (32, 4)
    graph.with_concrete_inputs(length).node_outputs()  # fits
    fixed = Input((10, 4))
    assert Model(fixed, Dense(1)(fixed)).graph.stand_in_length() == STAND_IN_LENGTH
