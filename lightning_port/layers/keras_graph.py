"""A Keras model config (``model.get_config()``, as a ``.keras`` file stores it) read into
layer kinds and a Graph: a ``Sequential`` into its stack, a ``Functional`` into its graph of
calls, nested models into nested kinds.

Every layer is read strictly by its kind (``LayerKind.from_keras``); a layer class the port
lacks, a Lambda or a custom class, or a call the port cannot reproduce stops with one line
naming the node, its class and the fix. The calls are replayed on symbolic tensors in an order
that respects both the data flow and each layer's call numbering, so the graph's shapes are
checked as Keras checks them and its order is Keras's (``layers.graph``).
"""

from __future__ import annotations

import re

from dataclasses import replace

from lightning_port.layers.base import LayerKind
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.graph import Graph, Input, graph_from_tensors
from lightning_port.ops.windows import LayerShapeError

# Layers whose work is on strings (or on values' string forms, hashed): a torch graph holds
# numbers only. What each does, for its one-line refusal.
_STRING_LAYERS = {
    "TextVectorization": "splits and looks up strings",
    "StringLookup": "looks up strings",
    "Hashing": "hashes its inputs' string forms (FarmHash or SipHash)",
    "HashedCrossing": "hashes crossed features' string forms",
    "FeatureSpace": "preprocesses named features of a dict, strings included",
}
_STRING_FIX = "vectorize outside the model (as the tutorial's own dataset.map does) and port the model from its first numeric layer on"


def _where(entry: dict) -> str:
    return f"node '{entry.get('name') or entry.get('config', {}).get('name', '')}' ({entry.get('class_name')})"


def read_layer(entry: dict) -> LayerKind:
    """One layer entry of a model config, as its kind (nested models recursively)."""
    from lightning_port.layers.registry import kind_for

    class_name, where = entry.get("class_name"), _where(entry)
    module = entry.get("module") or ""
    if class_name == "Lambda":
        raise UnsupportedLayer(f"{where}: a Lambda layer holds Python code, which the port does not run (safe mode); rewrite it as Keras layers, or port the model without it")
    if class_name in _STRING_LAYERS:
        raise UnsupportedLayer(f"{where}: {class_name} {_STRING_LAYERS[class_name]}, which a torch graph cannot hold; {_STRING_FIX}")
    if entry.get("registered_name") not in (None, class_name) or (module and not module.startswith("keras")):
        raise UnsupportedLayer(f"{where}: a custom layer ({entry.get('registered_name') or module + '.' + class_name}); the port knows only Keras's own layers, so rewrite it with them")
    if class_name not in ("Sequential", "Functional", "Model"):
        return kind_for(class_name, where).from_keras(entry.get("config") or {}, where)
    return kind_for("Functional" if class_name == "Model" else class_name, where).from_keras(entry.get("config") or {}, where)


def _input_of(entry: dict) -> tuple[tuple[int, ...], str, str]:
    config = entry.get("config") or {}
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if shape is None and config.get("shape") is not None:
        shape = [None, *config["shape"]]
    if shape is None:
        raise UnsupportedLayer(f"{_where(entry)}: an input without a shape; build the model with keras.Input(shape=...)")
    if len(shape) > 2 and shape[-1] is None:  # a sequence of token ids (None,) is fine; features of unknown width are not
        raise UnsupportedLayer(f"{_where(entry)}: an input whose last (feature) axis has no size ({shape}); give keras.Input that axis's size")
    dtype = config.get("dtype")
    dtype = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else (dtype or "float32")
    return tuple(None if size is None else int(size) for size in shape[1:]), config.get("name") or entry.get("name"), dtype


def read_sequential(config: dict, where: str = "the model"):
    """A Sequential config: its kind (nested use) with its layers; the input shape, if stored,
    is ``sequential_input(config)``."""
    from lightning_port.layers.kinds.model import Sequential

    entries = [entry for entry in config.get("layers", []) if entry.get("class_name") != "InputLayer"]
    if not entries:
        raise UnsupportedLayer(f"{where}: a Sequential model without layers")
    return Sequential(layers=tuple(read_layer(entry) for entry in entries), name=config.get("name"))


def sequential_input(config: dict) -> tuple[tuple[int, ...] | None, str | None, str]:
    """(input shape, input name, dtype) a Sequential config stores (None: built on its call)."""
    for entry in config.get("layers", []):
        if entry.get("class_name") == "InputLayer":
            return _input_of(entry)
    shape = config.get("build_input_shape")
    if shape is not None:
        return tuple(None if size is None else int(size) for size in shape[1:]), None, "float32"
    return None, None, "float32"


def _history(value) -> tuple[str, int, int] | None:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        name, node, tensor = value["config"]["keras_history"]
        return name, int(node), int(tensor)
    return None


def _tensors(value, where: str):
    """A call argument as keras_history triples: one, or a list of them."""
    history = _history(value)
    if history is not None:
        return history
    if isinstance(value, (list, tuple)) and value and all(_history(item) for item in value):
        return [_history(item) for item in value]
    raise UnsupportedLayer(f"{where}: a call argument that is not a tensor or a list of tensors ({str(value)[:80]}); the port reproduces calls on tensors only")


def _references(node_config: dict, where: str, mask_operations: frozenset = frozenset()):
    """(argument, keyword arguments, whether a mask was handed to the call) of one inbound
    node, as keras_history triples. A ``mask`` Keras computed by its own propagation (the ops
    of ``compute_mask``, ``mask_operations``) is left out: the port propagates masks itself."""
    arguments = node_config.get("args", [])
    keywords = dict(node_config.get("kwargs") or {})
    if len(arguments) != 1:
        raise UnsupportedLayer(f"{where}: a call with {len(arguments)} positional arguments; the port reproduces calls on one tensor or one list of tensors")
    argument = _tensors(arguments[0], where)
    tensor_keywords = {}
    masked = False
    for key, value in keywords.items():
        if value is None:
            continue  # e.g. mask=None: Keras records the default
        if key == "training":
            # Keras records the training flag a layer was called with while the graph was built
            # (Dropout's default False; a recurrent layer's default False when it is handed a
            # mask), and its Functional runtime replaces it by the model's own flag on every
            # call that gives one (fit, evaluate, predict): so does the port.
            continue
        if key == "mask":
            history = _history(value)
            if history is None or history[0] not in mask_operations:
                raise UnsupportedLayer(f"{where}: a call with an explicit mask= argument is not supported; let Embedding(mask_zero=True) or Masking make the mask")
            masked = True
            continue
        tensor_keywords[key] = _tensors(value, f"{where}: keyword argument {key}")
    return argument, tensor_keywords, masked


def read_functional(config: dict, where: str = "the model"):
    """A Functional config: its kind, holding the graph."""
    from lightning_port.layers.kinds.model import Functional

    return Functional(graph=functional_graph(config, where), name=config.get("name"))


def functional_graph(config: dict, where: str = "the model") -> Graph:
    entries = config.get("layers", [])
    tensors: dict[tuple[str, int, int], object] = {}
    inputs, layers, pending = [], {}, []
    # keras.ops calls in the graph: Keras records those its mask propagation makes (the
    # not_equal of Embedding(mask_zero=True), Masking's any) when it hands a mask to a call.
    operations = {entry.get("name"): entry for entry in entries if str(entry.get("module", "")).startswith("keras.src.ops")}
    handed_masks = []
    for entry in entries:
        name = entry.get("name") or entry.get("config", {}).get("name")
        if name in operations:
            continue
        if entry.get("class_name") == "InputLayer":
            shape, input_name, dtype = _input_of(entry)
            tensor = Input(shape, name=input_name, dtype=dtype)
            tensors[(name, 0, 0)] = tensor
            inputs.append((name, tensor))
            continue
        layer = read_layer(entry)
        layers[name] = layer
        for index, node_config in enumerate(entry.get("inbound_nodes", [])):
            argument, keywords, masked = _references(node_config, _where(entry), frozenset(operations))
            for reference in ([argument] if isinstance(argument, tuple) else list(argument)) + [item for value in keywords.values() for item in ([value] if isinstance(value, tuple) else value)]:
                if reference[0] in operations:
                    operation = operations[reference[0]]
                    raise UnsupportedLayer(f"{_where(entry)}: it reads the result of a keras.ops call ({operation.get('class_name')} '{reference[0]}'); the port reproduces graphs of layers only")
            if masked:
                handed_masks.append((name, index, entry))
            pending.append((name, index, argument, keywords, entry))
    # Replay the calls: a call is made once its tensors exist and its layer's earlier calls are made.
    made = {name: 0 for name in layers}
    while pending:
        progressed = False
        for item in list(pending):
            name, index, argument, keywords, entry = item
            needed = ([argument] if isinstance(argument, tuple) else list(argument)) + [
                reference for value in keywords.values() for reference in ([value] if isinstance(value, tuple) else value)
            ]
            if made[name] != index or any(reference not in tensors for reference in needed):
                continue

            def tensor_of(value):
                return tensors[value] if isinstance(value, tuple) else [tensors[reference] for reference in value]

            try:
                outputs = layers[name](tensor_of(argument), **{key: tensor_of(value) for key, value in keywords.items()})
            except (LayerShapeError, TypeError) as error:
                raise UnsupportedLayer(f"{_where(entry)}: {error}") from None
            for tensor_index, tensor in enumerate(outputs if isinstance(outputs, list) else [outputs]):
                tensors[(name, index, tensor_index)] = tensor
            made[name] += 1
            pending.remove(item)
            progressed = True
        if not progressed:
            name, index, *_ = pending[0]
            raise UnsupportedLayer(f"{where}: the call {index} of node '{name}' reads tensors no layer makes; the file's graph is inconsistent")

    functional_layers = {entry.get("name") for entry in entries if entry.get("class_name") in ("Functional", "Model")}

    def endpoints(key):
        value = config.get(key) or []
        if value and not isinstance(value[0], (list, tuple)):
            value = [value]  # a single [name, node, tensor]
        # Keras numbers a nested Functional model's calls from 1 here (its node 0 is the one it
        # was built with) but from 0 in the calls that read them (keras/src/models/functional.py).
        return [(name, int(node) - (name in functional_layers), int(tensor)) for name, node, tensor in value]

    try:
        graph_inputs = [tensors[(name, int(node), int(tensor))] for name, node, tensor in endpoints("input_layers")]
        graph_outputs = [tensors[(name, int(node), int(tensor))] for name, node, tensor in endpoints("output_layers")]
    except KeyError as error:
        raise UnsupportedLayer(f"{where}: its inputs or outputs name a tensor no layer makes ({error}); the file's graph is inconsistent") from None
    try:
        graph = graph_from_tensors(graph_inputs, graph_outputs, config.get("name"))
    except (ValueError, TypeError) as error:
        raise UnsupportedLayer(f"{where}: {error}") from None
    unused = [name for name in layers if all(layer.name != name for layer in graph.layers)]
    if unused:
        raise UnsupportedLayer(f"{where}: node '{unused[0]}' is not connected to the outputs; remove it from the model")
    # The masks Keras handed to calls are the ones the port's propagation gives them.
    flow = graph.mask_flow()
    for name, index, entry in handed_masks:
        position = next(position for position, layer in enumerate(graph.layers) if layer.name == name)
        node = next(node for node in graph.nodes if node.layer == position and node.index == index)
        references = list(node.arguments) if isinstance(node.arguments, tuple) else [node.arguments]
        if not any(flow.get(reference, False) for reference in references):
            raise UnsupportedLayer(f"{_where(entry)}: a call with a mask= argument its input does not carry is not supported; let Embedding(mask_zero=True) or Masking make the mask")
    return graph


def model_graph(class_name: str, config: dict, where: str = "the model") -> Graph:
    """The graph of a saved model's config: a Sequential's stack (its input shape must be
    stored) or a Functional model's graph; where its masks go is checked too (``Graph.mask_flow``)."""
    if class_name == "Sequential":
        model = read_sequential(config, where)
        input_shape, input_name, input_dtype = sequential_input(config)
        if input_shape is None:
            raise UnsupportedLayer(f"{where}: the model has no fixed input shape; build it with keras.Input(shape=...) first")
        graph = Graph.stack(input_shape, model.layers, name=config.get("name"), input_name=input_name, input_dtype=input_dtype)
    else:
        graph = functional_graph(config, where)
    # Checked after the layers, so that a string layer is refused by its own name first.
    for graph_input in graph.inputs:
        if graph_input.dtype == "string":
            raise UnsupportedLayer(f"{where}: input '{graph_input.name}' holds strings, which a torch graph cannot hold; {_STRING_FIX}")
    graph.mask_flow()
    return graph


# The names Keras gives a model built without one ("functional", "sequential_2", ...).
_AUTOMATIC_MODEL_NAME = re.compile(r"(functional|sequential)(_\d+)?")


def canonical_names(graph: Graph) -> Graph:
    """The graph with every name that equals the one Keras's auto-naming would give left out
    (``name=None``), so a recipe written from a file reads like code; kept where leaving it out
    would change what the names resolve to."""
    def unnamed(layer: LayerKind) -> LayerKind:
        inner = getattr(layer, "layers", None)
        if isinstance(inner, tuple) and layer.keras_class == "Sequential":
            layer = replace(layer, layers=tuple(unnamed(item) for item in inner))
        elif getattr(layer, "graph", None) is not None and layer.keras_class == "Functional":
            layer = replace(layer, graph=strip(layer.graph))
        if layer.wrapped_layers():
            layer = layer.with_wrapped_layers(tuple(unnamed(item) for item in layer.wrapped_layers()))
        return replace(layer, name=None)

    def strip(inner: Graph) -> Graph:
        return replace(inner, inputs=tuple(replace(item, name=None) for item in inner.inputs), layers=tuple(unnamed(layer) for layer in inner.layers))

    automatic = strip(graph).resolved()

    def keep(original: LayerKind, auto: LayerKind) -> LayerKind:
        inner = getattr(original, "layers", None)
        if isinstance(inner, tuple) and original.keras_class == "Sequential":
            original = replace(original, layers=tuple(keep(item, auto_item) for item, auto_item in zip(inner, auto.layers)))
        elif getattr(original, "graph", None) is not None and original.keras_class == "Functional":
            original = replace(original, graph=merge(original.graph, auto.graph))
        if original.wrapped_layers():
            original = original.with_wrapped_layers(tuple(keep(item, auto_item) for item, auto_item in zip(original.wrapped_layers(), auto.wrapped_layers())))
        return replace(original, name=None) if original.name == auto.name else original

    def merge(original: Graph, auto: Graph) -> Graph:
        inputs = tuple(replace(item, name=None) if item.name == auto_item.name else item for item, auto_item in zip(original.inputs, auto.inputs))
        return replace(original, inputs=inputs, layers=tuple(keep(layer, auto_layer) for layer, auto_layer in zip(original.layers, auto.layers)))

    canonical = merge(graph, automatic)
    if canonical.resolved() != graph.resolved():
        canonical = graph
    if graph.name is not None and _AUTOMATIC_MODEL_NAME.fullmatch(graph.name):
        canonical = replace(canonical, name=None)  # the model's own name is only a label; Keras made this one up
    return canonical


__all__ = ["canonical_names", "functional_graph", "model_graph", "read_functional", "read_layer", "read_sequential", "sequential_input"]
