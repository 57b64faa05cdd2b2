"""Small Functional models the conformance table measures a weightless layer in (no kind is
defined here).

A weightless layer right after the input would have its backward pass unmeasured: the
conformance table compares gradients of weights, and none would sit before it. So each input
goes through a Dense branch first (on its last axis, giving the shape the case asks for), and
the layer's output through Flatten and a Dense head: gradients and optimizer steps then pass
through the layer's backward pass, broadcasting, slicing and interpolation included.
"""

from __future__ import annotations

from lightning_port.layers.base import Shape

BRANCH_INPUT_WIDTH = 3  # each input's last axis, before its Dense branch
HEAD_UNITS = 3


def branch(shape: Shape, **dense_options):
    """(an Input, the Dense branch's output of ``shape``)."""
    from lightning_port.layers.graph import Input
    from lightning_port.layers.registry import kind_classes

    inputs = Input((*shape[:-1], BRANCH_INPUT_WIDTH))
    return inputs, kind_classes()["Dense"](shape[-1], **dense_options)(inputs)


def headed(inputs, tensor):
    """The Functional model from ``inputs`` to ``tensor``, flattened (when it is not flat) and
    read by a Dense head."""
    from lightning_port.layers.kinds.model import Model
    from lightning_port.layers.registry import kind_classes

    kinds = kind_classes()
    if len(tensor.shape) > 1:
        tensor = kinds["Flatten"]()(tensor)
    return Model(inputs, kinds["Dense"](HEAD_UNITS)(tensor))


def merged(layer, shapes, **dense_options):
    """A merge ``layer`` called on one Dense branch per shape, then the head."""
    branches = [branch(shape, **dense_options) for shape in shapes]
    return headed([inputs for inputs, _ in branches], layer([tensor for _, tensor in branches]))


def single(layer, shape: Shape):
    """A one-input ``layer`` called on a Dense branch of ``shape``, then the head."""
    inputs, tensor = branch(shape)
    return headed(inputs, layer(tensor))


def alone(layer, shape: Shape):
    """The layer as a whole model (Input -> layer): its own outputs compared, exactly where they
    are integers; with no weights, there is nothing to train."""
    from lightning_port.layers.graph import Input
    from lightning_port.layers.kinds.model import Model

    inputs = Input(shape)
    return Model(inputs, layer(inputs))


def _kinds():
    from lightning_port.layers.registry import kind_classes

    return kind_classes()


def flat_together(tensors):
    """Several tensors as one vector: each flattened (when it is not flat), concatenated."""
    kinds = _kinds()
    flat = [kinds["Flatten"]()(tensor) if len(tensor.shape) > 1 else tensor for tensor in tensors]
    return flat[0] if len(flat) == 1 else kinds["Concatenate"]()(flat)


def stateful_heads(layer, shape: Shape, initial: bool = False):
    """A recurrent ``layer`` with ``return_state=True`` on a Dense branch of ``shape``, its
    output and final states read together by the head; with ``initial``, its initial state
    is another layer's final states (the keyword tensor ``initial_state``)."""
    from lightning_port.layers.kinds.model import Model

    inputs, tensor = branch(shape)
    keywords = {}
    if initial:
        source = type(layer)(layer.units, return_state=True)
        _, *states = source(tensor)
        keywords["initial_state"] = states
    outputs = layer(tensor, **keywords)
    return Model(inputs, _kinds()["Dense"](HEAD_UNITS)(flat_together(outputs)))


def masked_by_embedding(layer, length: int = 6, tokens: int = 4):
    """Tokens 0..tokens-1 through ``Embedding(mask_zero=True)``: the zeros (about one step in
    ``tokens``, anywhere in the sequence) masked; then ``layer`` and the head."""
    from lightning_port.layers.graph import Input

    kinds = _kinds()
    inputs = Input((length,))
    embedded = kinds["Embedding"](tokens, 3, mask_zero=True)(inputs)
    outputs = layer(embedded)
    return headed_many(inputs, outputs)


def masked_by_masking(layer, length: int = 6):
    """A Dense(1, relu) branch, whose zeros (about half the steps) ``Masking(0.0)`` masks;
    then ``layer`` and the head."""
    from lightning_port.layers.graph import Input

    kinds = _kinds()
    inputs = Input((length, BRANCH_INPUT_WIDTH))
    masked = kinds["Masking"](0.0)(kinds["Dense"](1, activation="relu")(inputs))
    return headed_many(inputs, layer(masked))


def headed_many(inputs, outputs):
    """The head on one output, or on several flattened and concatenated."""
    from lightning_port.layers.kinds.model import Model

    tensors = outputs if isinstance(outputs, list) else [outputs]
    return Model(inputs, _kinds()["Dense"](HEAD_UNITS)(flat_together(tensors)))


def masked_sequence_output(layer, length: int = 6, tokens: int = 4):
    """``Embedding(mask_zero=True)``, then ``layer`` (returning sequences) and a Dense on every
    step as the model's output: the mask reaches the loss, which Keras weighs step by step."""
    from lightning_port.layers.graph import Input
    from lightning_port.layers.kinds.model import Model

    kinds = _kinds()
    inputs = Input((length,))
    embedded = kinds["Embedding"](tokens, 3, mask_zero=True)(inputs)
    return Model(inputs, kinds["Dense"](HEAD_UNITS)(layer(embedded)))
