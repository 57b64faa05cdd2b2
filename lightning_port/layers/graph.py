"""Keras's Functional API as data: inputs, layer calls, and the graph they make.

A recipe (or ``scripts/port.py``) writes a model the way Keras code does::

    inputs = Input(shape=(32, 32, 3), name="img")
    x = Conv2D(32, 3, activation="relu")(inputs)
    block_1_output = MaxPooling2D(3)(x)
    ...
    model = Model(inputs, outputs, name="toy_resnet")

Calling a layer on symbolic tensors records the call; ``Model`` turns the calls reachable
from its outputs into a ``Graph``: the inputs, every layer once (a layer called twice shares
its weights, as in Keras), every call (a ``Node``) and the outputs. A ``Sequential`` stack is
the chain case (``Graph.stack``).

Order and names follow Keras, so that a graph written here and the same model built in Keras
agree layer for layer: layers are ordered as Keras's ``model.layers`` (``keras/src/ops/
function.py``'s ``map_graph``: by depth from the inputs, ties in the order a depth-first
walk from the outputs first meets them), nodes are evaluated in Keras's order, and a layer
given no name is named as a fresh Keras session names it (``dense``, ``dense_1``, ... in the
order the layers were made; ``Graph.resolved``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from lightning_port.layers.base import CREATION, LayerKind, Shape
from lightning_port.layers.config import UnsupportedLayer, snake_case
from lightning_port.ops.windows import LayerShapeError

# The length a measurement, a summary or an example batch gives an axis a model leaves unknown
# (``Input(shape=(None,))``): any length computes the same per-position arithmetic.
STAND_IN_LENGTH = 8


# The longest stand-in tried before giving up on a graph whose layers reject every length.
_LONGEST_STAND_IN = 4096


def concrete(shape, length: int = STAND_IN_LENGTH) -> tuple[int, ...]:
    """A shape with each unknown axis at ``length`` (a graph's ``stand_in_length()``)."""
    return tuple(length if size is None else size for size in shape)


@dataclass(frozen=True)
class InputRef:
    """A graph input, by position in ``Graph.inputs``."""

    input: int


@dataclass(frozen=True)
class OutputRef:
    """Output ``tensor`` of call ``node`` of layer ``layer`` (positions in ``Graph.layers`` and
    in that layer's calls): Keras's ``keras_history``."""

    layer: int
    node: int = 0
    tensor: int = 0


Ref = InputRef | OutputRef


@dataclass(frozen=True)
class GraphInput:
    """``keras.Input(shape=..., name=..., dtype=...)``; the batch axis left out."""

    shape: Shape
    name: str | None = None
    dtype: str = "float32"

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(self.shape))
        object.__setattr__(self, "_created", next(CREATION))


@dataclass(frozen=True)
class Node:
    """One call of a layer: ``layer`` (its position) called the ``index``-th time, on
    ``arguments`` (a Ref, or a tuple of Refs for a list argument) and keyword arguments."""

    layer: int
    index: int
    arguments: Ref | tuple[Ref, ...]
    keyword_arguments: tuple[tuple[str, Ref | tuple[Ref, ...]], ...] = ()

    def references(self) -> list[Ref]:
        """Every tensor the call reads, in Keras's order (arguments, then keywords by name)."""
        found = list(self.arguments) if isinstance(self.arguments, tuple) else [self.arguments]
        for _, value in sorted(self.keyword_arguments):
            found += list(value) if isinstance(value, tuple) else [value]
        return found


@dataclass(frozen=True)
class Graph:
    inputs: tuple[GraphInput, ...]
    layers: tuple[LayerKind, ...]  # every layer once, in Keras's model.layers order
    nodes: tuple[Node, ...]  # every call, in Keras's evaluation order
    outputs: tuple[Ref, ...]
    name: str | None = field(default=None, compare=False)  # Keras's model name: shown, not part of what is computed

    # ---- building ----
    @classmethod
    def stack(cls, input_shape: Shape, layers, name: str | None = None, input_name: str | None = None, input_dtype: str = "float32") -> Graph:
        """A Sequential model: each layer called on the previous one's output."""
        nodes = [Node(0, 0, InputRef(0))] if layers else []
        nodes += [Node(position, 0, OutputRef(position - 1)) for position in range(1, len(layers))]
        outputs = (OutputRef(len(layers) - 1),) if layers else (InputRef(0),)
        return cls((GraphInput(tuple(input_shape), input_name, input_dtype),), tuple(layers), tuple(nodes), outputs, name)

    # ---- reading ----
    @property
    def is_stack(self) -> bool:
        """One input, each layer called once on the previous layer's output, one output."""
        if len(self.inputs) != 1 or len(self.outputs) != 1 or len(self.nodes) != len(self.layers):
            return False
        expected = Graph.stack(self.inputs[0].shape, self.layers)
        if self.nodes != expected.nodes or self.outputs != expected.outputs:
            return False
        # A layer with several outputs (an RNN's states) cannot sit in a Keras Sequential.
        return all(len(outputs) == 1 for outputs in self.node_outputs().values())

    def layer_named(self, name: str) -> LayerKind:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def node_outputs(self) -> dict[tuple[int, int], tuple[Shape, ...]]:
        """The shapes of every call's outputs, (layer, call) -> shapes; raises LayerShapeError
        naming the layer when a call does not fit (as Keras refuses it)."""
        shapes: dict[tuple[int, int], tuple[Shape, ...]] = {}
        for node in self.nodes:
            layer = self.layers[node.layer]
            argument_shapes = self.shape_of(node.arguments, shapes)
            try:
                shapes[(node.layer, node.index)] = tuple(tuple(shape) for shape in layer.output_shapes(argument_shapes))
            except LayerShapeError as error:
                raise LayerShapeError(f"{describe(layer, node.layer)}: {error}") from None
        return shapes

    def shape_of(self, reference, shapes=None):
        """The shape of a Ref (or the shapes of a tuple of Refs)."""
        if isinstance(reference, tuple):
            return [self.shape_of(item, shapes) for item in reference]
        if isinstance(reference, InputRef):
            return self.inputs[reference.input].shape
        shapes = self.node_outputs() if shapes is None else shapes
        return shapes[(reference.layer, reference.node)][reference.tensor]

    def node_input_shape(self, node: Node, shapes=None):
        return self.shape_of(node.arguments, shapes)

    def with_concrete_inputs(self, length: int) -> Graph:
        """The graph with each input axis left unknown at ``length``."""
        return replace(self, inputs=tuple(replace(item, shape=concrete(item.shape, length)) for item in self.inputs))

    def stand_in_length(self) -> int:
        """The length a measurement or an example batch gives an unknown input axis:
        STAND_IN_LENGTH, doubled until every layer accepts it (two strided Conv1D of kernel 7
        need more than 8 steps)."""
        if all(None not in item.shape for item in self.inputs):
            return STAND_IN_LENGTH
        length = STAND_IN_LENGTH
        while length <= _LONGEST_STAND_IN:
            try:
                self.with_concrete_inputs(length).node_outputs()
                return length
            except LayerShapeError:
                length *= 2
        return STAND_IN_LENGTH  # none fits: the measurement names the layer that refuses

    def stand_in_input_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Each input's shape with its unknown axes at ``stand_in_length()`` (an example batch)."""
        length = self.stand_in_length()
        return tuple(concrete(shape, length) for shape in self.input_shapes)

    @property
    def input_shapes(self) -> tuple[Shape, ...]:
        return tuple(graph_input.shape for graph_input in self.inputs)

    @property
    def output_shapes(self) -> tuple[Shape, ...]:
        shapes = self.node_outputs()
        return tuple(self.shape_of(reference, shapes) for reference in self.outputs)

    def first_calls(self) -> dict[int, Node]:
        """Each layer's first call (Keras builds a layer for its first input)."""
        found: dict[int, Node] = {}
        for node in sorted(self.nodes, key=lambda node: node.index):
            found.setdefault(node.layer, node)
        return found

    def parameter_count(self) -> int:
        shapes = self.node_outputs()
        return sum(self.layers[position].parameter_count(self.node_input_shape(node, shapes)) for position, node in self.first_calls().items())

    def output_names(self) -> tuple[str, ...]:
        """Keras's names of the outputs, as its logs prefix them: the producing layers' names."""
        names = []
        for reference in self.outputs:
            names.append(self.inputs[reference.input].name if isinstance(reference, InputRef) else self.layers[reference.layer].name)
        return tuple(names)

    def creation_order(self) -> list[Node]:
        """The calls in an order code can make them: Keras's evaluation order, except that a
        layer's calls come in the order of their numbers (a shared layer's call 1 after its
        call 0, as the code that made the graph made them). Building or writing the graph in
        this order gives back the same call numbers."""
        made: set = set()
        calls_made: dict[int, int] = defaultdict(int)
        pending, ordered = list(self.nodes), []
        while pending:
            for node in pending:
                ready = all(isinstance(ref, InputRef) or (ref.layer, ref.node) in made for ref in node.references())
                if ready and calls_made[node.layer] == node.index:
                    break
            else:
                raise ValueError("the graph's calls cannot be made in their numbered order")
            pending.remove(node)
            ordered.append(node)
            made.add((node.layer, node.index))
            calls_made[node.layer] += 1
        return ordered

    def producer(self, reference: Ref) -> LayerKind | None:
        return None if isinstance(reference, InputRef) else self.layers[reference.layer]

    # ---- names ----
    def resolved(self) -> Graph:
        """Every layer and input named as a fresh Keras session names them (in the order they
        were made; nested models' layers too), explicit names kept."""
        return _Namer(self).resolve_graph(self)

    def walk_layers(self):
        """Every layer, nested models' and wrapped layers included, depth first."""
        for layer in self.layers:
            yield from walk_layer(layer)

    def mask_flow(self, shapes=None) -> dict[OutputRef, bool]:
        """Which call outputs carry a Keras mask (made by Embedding(mask_zero=True) or Masking,
        carried on by the layers whose Keras ``supports_masking`` is set, dropped by the
        others), as Keras propagates masks; raises UnsupportedLayer naming the layer where a
        mask meets what the port does not reproduce."""
        shapes = self.node_outputs() if shapes is None else shapes
        masked: dict = {}

        def flag(reference):
            if isinstance(reference, tuple):
                return [flag(item) for item in reference]
            return masked.get(reference, False)

        for node in self.nodes:
            layer = self.layers[node.layer]
            input_masked = flag(node.arguments)
            inner = nested_graph(layer)
            try:
                if inner is not None:
                    inner = layer.graph_for(self.node_input_shape(node, shapes))
                    carried = any(input_masked) if isinstance(input_masked, list) else input_masked
                    if carried or any(inner.mask_flow().get(reference, False) for reference in inner.outputs):
                        raise UnsupportedLayer("a Keras mask entering or leaving a nested model is not supported; use the layers inline")
                    outputs = (False,) * len(inner.outputs)
                else:
                    outputs = layer.masked_outputs(self.node_input_shape(node, shapes), input_masked)
            except UnsupportedLayer as error:
                raise UnsupportedLayer(f"{describe(layer, node.layer)}: {error}") from None
            for index, value in enumerate(outputs):
                masked[OutputRef(node.layer, node.index, index)] = bool(value)
        return masked


def walk_layer(layer: LayerKind):
    """The layer, then the layers inside it (a nested model's, a wrapper's), depth first."""
    yield layer
    inner = nested_graph(layer)
    if inner is not None:
        yield from inner.walk_layers()
    for wrapped in layer.wrapped_layers():
        yield from walk_layer(wrapped)


def nested_graph(layer: LayerKind) -> Graph | None:
    """The graph of a nested model layer (Sequential or Functional), else None."""
    graph = getattr(layer, "graph", None)
    return graph if isinstance(graph, Graph) else None


def describe(layer: LayerKind, position: int | None = None) -> str:
    """A layer as error messages name it: its node name and class."""
    name = f"'{layer.name}'" if layer.name else (f"#{position}" if position is not None else "")
    return f"node {name} ({layer.keras_class})".replace("node  (", "node (")


class _Namer:
    """Keras's auto-naming (``keras.src.backend.common.global_state.get_uid`` per prefix), for
    the layers of one model made in a fresh session: unnamed layers, in the order they were
    made, get ``prefix``, ``prefix_1``, ...; names given explicitly are kept and skipped."""

    def __init__(self, graph: Graph):
        self.used: set[str] = set()
        self.counters: dict[str, int] = defaultdict(int)
        unnamed: list[LayerKind] = []
        inputs: list[GraphInput] = []
        self._collect(graph, unnamed, inputs)
        self.names: dict[int, str] = {}
        for item in sorted(unnamed + inputs, key=lambda item: item._created):
            prefix = "input_layer" if isinstance(item, GraphInput) else snake_case(item.keras_class)
            self.names[id(item)] = self._next(prefix)

    def _collect(self, graph: Graph, unnamed: list, inputs: list, nested: bool = False) -> None:
        for graph_input in graph.inputs:
            if nested and graph_input.name is None and not graph_input.shape:
                continue  # a nested Sequential's stand-in input (its shape comes from its call)
            if graph_input.name is None:
                inputs.append(graph_input)
            else:
                self.used.add(graph_input.name)
        for layer in graph.layers:
            self._collect_layer(layer, unnamed, inputs)

    def _collect_layer(self, layer: LayerKind, unnamed: list, inputs: list) -> None:
        if layer.name is None:
            unnamed.append(layer)
        else:
            self.used.add(layer.name)
        inner = nested_graph(layer)
        if inner is not None:
            self._collect(inner, unnamed, inputs, nested=True)
        for wrapped in layer.wrapped_layers():
            self._collect_layer(wrapped, unnamed, inputs)

    def _next(self, prefix: str) -> str:
        while True:
            count = self.counters[prefix]
            self.counters[prefix] += 1
            name = prefix if count == 0 else f"{prefix}_{count}"
            if name not in self.used:
                self.used.add(name)
                return name

    def name_of(self, item) -> str:
        return item.name if item.name is not None else self.names[id(item)]

    def resolve_layer(self, layer: LayerKind) -> LayerKind:
        resolved = layer.with_resolved_names(self) if hasattr(layer, "with_resolved_names") else layer
        wrapped = resolved.wrapped_layers()
        if wrapped:
            resolved = resolved.with_wrapped_layers(tuple(self.resolve_layer(item) for item in wrapped))
        return replace(resolved, name=self.name_of(layer)) if layer.name is None else resolved

    def resolve_graph(self, graph: Graph) -> Graph:
        inputs = tuple(replace(graph_input, name=self.name_of(graph_input)) for graph_input in graph.inputs)
        layers = tuple(self.resolve_layer(layer) for layer in graph.layers)
        return replace(graph, inputs=inputs, layers=layers)


# ---- the Functional API: symbolic tensors and calls ----


class SymbolicTensor:
    """What ``Input`` returns and a layer call returns: a tensor of a known shape (without the
    batch axis) and the call that makes it."""

    def __init__(self, shape: Shape, dtype: str, call: _Call | None, graph_input: GraphInput | None, index: int = 0):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.call = call
        self.graph_input = graph_input
        self.index = index

    def __repr__(self) -> str:
        source = f"input {self.graph_input.name or ''}" if self.graph_input is not None else f"output of {type(self.call.layer).__name__}"
        return f"<symbolic tensor {self.shape}, {source}>"


@dataclass(eq=False)
class _Call:
    layer: LayerKind
    arguments: object  # a SymbolicTensor or a list of them
    keyword_arguments: dict
    outputs: list[SymbolicTensor] = field(default_factory=list)
    created: int = field(default_factory=lambda: next(CREATION))  # Keras numbers a layer's calls in this order


def Input(shape, name: str | None = None, dtype: str = "float32") -> SymbolicTensor:  # noqa: N802 - Keras's name
    """``keras.Input``: a model input of ``shape`` (without the batch axis); ``None`` for an
    axis of variable length (a text model's sequence axis)."""
    graph_input = GraphInput(tuple(shape), name, dtype)
    return SymbolicTensor(graph_input.shape, dtype, None, graph_input)


def _shapes(arguments):
    if isinstance(arguments, SymbolicTensor):
        return arguments.shape
    if isinstance(arguments, (list, tuple)) and all(isinstance(item, SymbolicTensor) for item in arguments):
        return [item.shape for item in arguments]
    raise TypeError(f"a layer is called on a symbolic tensor (from Input() or another layer) or a list of them, not {arguments!r}")


def call_layer(layer: LayerKind, arguments, keyword_arguments: dict):
    """``layer(arguments, **keyword_arguments)`` on symbolic tensors: the output tensor(s)."""
    if layer.takes_list != isinstance(arguments, (list, tuple)):
        expected = "a list of tensors" if layer.takes_list else "one tensor"
        raise TypeError(f"{layer.keras_class} is called on {expected}")
    for key, value in keyword_arguments.items():
        _shapes(value)  # tensors only: other keyword arguments have no place in a saved graph
    try:
        shapes = layer.output_shapes(_shapes(arguments))
    except LayerShapeError as error:
        raise LayerShapeError(f"{describe(layer)}: {error}") from None
    call = _Call(layer, list(arguments) if isinstance(arguments, (list, tuple)) else arguments, dict(keyword_arguments))
    call.outputs = [SymbolicTensor(shape, "float32", call, None, index) for index, shape in enumerate(shapes)]
    return call.outputs[0] if len(call.outputs) == 1 else list(call.outputs)


def _flat(value) -> list[SymbolicTensor]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def graph_from_tensors(inputs, outputs, name: str | None = None) -> Graph:
    """The Graph of the calls between ``inputs`` and ``outputs``, in Keras's order (module
    docstring): Keras's ``map_graph``, on the recorded calls."""
    inputs, outputs = _flat(inputs), _flat(outputs)
    for tensor in inputs:
        if not isinstance(tensor, SymbolicTensor) or tensor.graph_input is None:
            raise TypeError("Model(inputs, outputs): inputs must be tensors made by Input()")
    # A node is a call (a layer's) or an input; Keras walks them depth first from the outputs.
    order: list = []  # nodes, inputs first (post-order)
    traversal: dict[int, int] = {}  # id(operation) -> first traversal index
    operations: dict[int, object] = {}
    finished: set[int] = set()

    def producer(tensor: SymbolicTensor):
        return tensor.graph_input if tensor.call is None else tensor.call

    def operation(node) -> object:
        return node if isinstance(node, GraphInput) else node.layer

    def parents(node) -> list:
        if isinstance(node, GraphInput):
            return []
        found = _flat(node.arguments)
        for key in sorted(node.keyword_arguments):
            found += _flat(node.keyword_arguments[key])
        return [producer(tensor) for tensor in found]

    def visit(node, in_progress: set[int]) -> None:
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError("the graph has a cycle")
        traversal.setdefault(id(operation(node)), len(traversal))
        operations[id(operation(node))] = operation(node)
        in_progress.add(id(node))
        for parent in parents(node):
            visit(parent, in_progress)
        in_progress.discard(id(node))
        finished.add(id(node))
        order.append(node)

    for tensor in outputs:
        if not isinstance(tensor, SymbolicTensor):
            raise TypeError(f"Model(inputs, outputs): outputs must be symbolic tensors, not {tensor!r}")
        visit(producer(tensor), set())
    for node in order:
        if isinstance(node, GraphInput) and not any(node is tensor.graph_input for tensor in inputs):
            raise ValueError("Model(inputs, outputs): the outputs depend on an Input() not listed in inputs (graph disconnected)")

    # Inputs the outputs do not read stay inputs (Keras allows them: a loss may use them).
    for tensor in inputs:
        if id(tensor.graph_input) not in finished:
            order.insert(0, tensor.graph_input)
            finished.add(id(tensor.graph_input))
    # Depths, as map_graph computes them: the longest path to an output.
    node_depths: dict[int, int] = {}
    operation_depths: dict[int, int] = {}
    by_id = {id(node): node for node in order}
    for node in reversed(order):
        depth = node_depths.setdefault(id(node), 0)
        depth = max(depth, operation_depths.get(id(operation(node)), 0))
        operation_depths[id(operation(node))] = depth
        node_depths[id(node)] = depth
        for parent in parents(node):
            node_depths[id(parent)] = max(depth + 1, node_depths.get(id(parent), 0))
    operation_order = sorted(operations, key=lambda key: (-operation_depths[key], traversal[key]))
    layers = [operations[key] for key in operation_order if not isinstance(operations[key], GraphInput)]
    positions = {id(layer): position for position, layer in enumerate(layers)}
    # Each layer's calls are numbered in the order they were made (Keras's node index).
    calls_of: dict[int, list[_Call]] = defaultdict(list)
    for node in order:
        if isinstance(node, _Call):
            calls_of[id(node.layer)].append(node)
    for calls in calls_of.values():
        calls.sort(key=lambda call: call.created)
    input_positions = {id(tensor.graph_input): position for position, tensor in enumerate(inputs)}

    def reference(tensor: SymbolicTensor) -> Ref:
        if tensor.call is None:
            return InputRef(input_positions[id(tensor.graph_input)])
        return OutputRef(positions[id(tensor.call.layer)], calls_of[id(tensor.call.layer)].index(tensor.call), tensor.index)

    def references(value):
        return tuple(reference(tensor) for tensor in value) if isinstance(value, (list, tuple)) else reference(value)

    # Evaluation order: by depth, deepest first; within a depth, in the order depths were set.
    by_depth: dict[int, list] = defaultdict(list)
    for key, depth in node_depths.items():
        by_depth[depth].append(by_id[key])
    nodes = []
    for depth in sorted(by_depth, reverse=True):
        for node in by_depth[depth]:
            if isinstance(node, GraphInput):
                continue
            keywords = tuple((key, references(node.keyword_arguments[key])) for key in sorted(node.keyword_arguments))
            nodes.append(Node(positions[id(node.layer)], calls_of[id(node.layer)].index(node), references(node.arguments), keywords))
    graph_inputs = tuple(tensor.graph_input for tensor in inputs)
    return Graph(graph_inputs, tuple(layers), tuple(nodes), tuple(reference(tensor) for tensor in outputs), name)




@dataclass(frozen=True)
class LayerSummary:
    """One row of a Keras-style ``model.summary()``: a layer, its first call's output shape."""

    kind: str
    name: str | None
    output_shape: Shape
    parameters: int


def summarize(graph: Graph) -> list[LayerSummary]:
    """Per layer, in Keras's order: class, name, output shape (channels-last, batch axis left
    out; a layer's first call) and weight count."""
    shapes = graph.node_outputs()
    rows = []
    for position, node in sorted(graph.first_calls().items()):
        layer = graph.layers[position]
        rows.append(LayerSummary(layer.keras_class, layer.name, shapes[(position, node.index)][0], layer.parameter_count(graph.node_input_shape(node, shapes))))
    return rows


def final_activation(graph: Graph, reference: Ref) -> str | None:
    """The activation a graph output ends in (softmax, sigmoid, ...), or None: the activation
    of the layer that makes it, looking inside a nested model for its own output.

    Keras on TensorFlow recovers the logits of a final softmax or sigmoid for its crossentropy
    losses (the activation leaves its input on its output tensor); only the op that makes the
    output counts: after a final Dropout, say, the output is no longer the softmax's."""
    if isinstance(reference, InputRef):
        return None
    layer = graph.layers[reference.layer]
    inner = nested_graph(layer)
    if inner is not None:
        return final_activation(inner, inner.outputs[reference.tensor])
    name = layer.activation_name
    return None if name == "linear" else name


__all__ = ["Graph", "GraphInput", "Input", "InputRef", "LayerSummary", "Node", "OutputRef", "Ref", "SymbolicTensor", "describe", "final_activation", "graph_from_tensors", "nested_graph", "summarize", "walk_layer"]
