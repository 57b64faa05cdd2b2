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
