"""A model used as a layer: ``keras.Sequential([...])`` or a Functional ``keras.Model(inputs,
outputs)`` called on a tensor of a bigger model, as the common ``data_augmentation =
keras.Sequential([...])`` block is. Its layers keep their own names and weights (Keras's
variable paths ``block/conv2d/kernel``); its torch module is a backbone of its own
(``BuildContext.submodel``), registered under the model's name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from lightning_port.layers.base import LayerKind
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.graph import Graph, graph_from_tensors
from lightning_port.ops.windows import LayerShapeError


@dataclass(frozen=True)
class Sequential(LayerKind):
    """``keras.Sequential(layers, name=...)``: a stack, shaped by the tensor it is called on."""

    layers: tuple[LayerKind, ...] = ()
    keras_class: ClassVar[str] = "Sequential"

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        super().__post_init__()

    def graph_for(self, input_shape) -> Graph:
        return Graph.stack(tuple(input_shape), self.layers, name=self.name)

    def output_shape(self, input_shape):
        if not self.layers:
            raise LayerShapeError("an empty Sequential model")
        return self.graph_for(input_shape).output_shapes[0]

    def parameter_count(self, input_shape):
        return self.graph_for(input_shape).parameter_count()

    def build(self, input_shape, context):
        return context.submodel(self, input_shape)

    def with_resolved_names(self, namer) -> Sequential:
        return replace(self, layers=tuple(namer.resolve_layer(layer) for layer in self.layers))

    @property
    def graph(self) -> Graph:
        """Its layers as a graph (for naming and weights; shapes come from ``graph_for``)."""
        return Graph.stack((), self.layers, name=self.name)

    @classmethod
    def from_keras(cls, config, where):
        from lightning_port.layers.keras_graph import read_sequential

        return read_sequential(config, where)

    def keras_arguments(self):
        raise UnsupportedLayer("a nested Sequential is built by evidence.parity's Keras builder, layer by layer")

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.graph import Input
        from lightning_port.layers.registry import kind_classes

        kinds = kind_classes()
        inputs = Input((6, 6, 2))
        block = cls(layers=(kinds["Conv2D"](3, (3, 3), padding="same", activation="relu"), kinds["MaxPooling2D"]()), name="block")
        x = kinds["Flatten"]()(block(inputs))
        return [("a Conv2D + MaxPooling2D block called on the input", (), Model(inputs, kinds["Dense"](3)(x)))]


@dataclass(frozen=True)
class Functional(LayerKind):
    """A Functional model (``keras.Model(inputs, outputs)``) used as a layer or as a recipe's model."""

    graph: Graph = None
    keras_class: ClassVar[str] = "Functional"

    def graph_for(self, input_shape) -> Graph:
        expected = self.graph.input_shapes
        given = tuple(tuple(shape) for shape in input_shape) if len(expected) > 1 else (tuple(input_shape),)
        if given != expected:
            raise LayerShapeError(f"the model takes inputs of shape {expected if len(expected) > 1 else expected[0]}, got {given if len(given) > 1 else given[0]}")
        return self.graph

    @property
    def takes_list(self) -> bool:  # several inputs: called on a list, as in Keras
        return len(self.graph.inputs) > 1

    def output_shapes(self, input_shape):
        self.graph_for(input_shape)
        return self.graph.output_shapes

    def output_shape(self, input_shape):
        return self.output_shapes(input_shape)[0]

    def parameter_count(self, input_shape):
        return self.graph.parameter_count()

    def build(self, input_shape, context):
        return context.submodel(self, input_shape)

    def with_resolved_names(self, namer) -> Functional:
        return replace(self, graph=namer.resolve_graph(self.graph))

    @classmethod
    def from_keras(cls, config, where):
        from lightning_port.layers.keras_graph import read_functional

        return read_functional(config, where)

    def keras_arguments(self):
        raise UnsupportedLayer("a nested model is built by evidence.parity's Keras builder, layer by layer")

    @classmethod
    def conformance_cases(cls):
        from lightning_port.layers.graph import Input
        from lightning_port.layers.registry import kind_classes

        kinds = kind_classes()
        inner_inputs = Input((5,))
        encoder = Model(inner_inputs, kinds["Dense"](4, activation="tanh")(inner_inputs), name="encoder")
        inputs = Input((5,))
        outputs = kinds["Dense"](3)(encoder(inputs))
        return [("a Functional encoder called on the input", (), Model(inputs, outputs))]


def Model(inputs, outputs, name: str | None = None) -> Functional:  # noqa: N802 - Keras's name
    """``keras.Model(inputs, outputs, name=...)``: the Functional model of the calls between them."""
    return Functional(graph=graph_from_tensors(inputs, outputs, name), name=name)
