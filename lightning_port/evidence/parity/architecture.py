"""Layer-by-layer descriptions of the live Keras model and of the torch backbone, compared.

Both sides are read from the running objects: Keras's layers (``model.layers``, Keras's order),
their classes, names, configs (read into specs the way a model file is read,
``LayerKind.from_keras``), the layers each call reads from, output shapes and
``count_params()``; the torch side from the backbone's graph, the shapes its forward pass
produces and the weights of each layer's module. A drift on either side shows up as a
differing row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import torch

from lightning_port.layers.base import LayerKind
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.graph import Graph, InputRef
from lightning_port.layers.keras_graph import read_layer
from lightning_port.models import KerasModel


@dataclass(frozen=True)
class LayerRow:
    kind: str
    output_shape: tuple[int, ...]  # Keras's layout (channels last), batch dimension dropped; the first call's
    parameters: int  # every weight, trainable or not (Keras's count_params)
    config: dict = field(default_factory=dict)  # the spec's fields
    name: str = ""  # Keras's name (shown, not compared: Keras numbers names per session)
    # Per call, what it reads: "#k" (the k-th layer of this list) or "input i". Compared.
    inbound: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _plain(value):
    """JSON-able values that compare equal after a round trip: tuples as lists, nested layers
    and graphs by their classes and names."""
    if isinstance(value, Graph):
        return {"inputs": [list(item.shape) for item in value.inputs], "layers": [_plain(layer) for layer in value.layers]}
    if isinstance(value, LayerKind):
        return f"{value.keras_class} '{value.name}'"
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _config(layer: LayerKind) -> dict:
    return {spec_field.name: _plain(getattr(layer, spec_field.name)) for spec_field in fields(layer) if spec_field.name != "name"}


def _graph_inbound(graph: Graph) -> dict[int, list]:
    """Per layer position, per call, what it reads ("#k": layer k; "input i")."""
    found: dict[int, list] = {}
    for node in sorted(graph.nodes, key=lambda node: node.index):
        sources = [f"input {ref.input}" if isinstance(ref, InputRef) else f"#{ref.layer}" for ref in node.references()]
        found.setdefault(node.layer, []).append(sources)
    return found


def keras_rows(model) -> list[LayerRow]:
    import keras

    rows = []
    config = model.get_config()
    entries = {entry.get("name") or entry["config"].get("name"): entry for entry in config.get("layers", [])}
    inputs = [tensor._keras_history.operation.name for tensor in model.inputs]  # noqa: SLF001
    positions = {layer.name: index for index, layer in enumerate(item for item in model.layers if not isinstance(item, keras.layers.InputLayer))}

    def source(tensor) -> str:
        name = tensor._keras_history.operation.name  # noqa: SLF001
        return f"input {inputs.index(name)}" if name in inputs else f"#{positions[name]}"

    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        entry = entries.get(layer.name) or {"class_name": type(layer).__name__, "config": layer.get_config(), "name": layer.name, "module": "keras.layers"}
        kind = "Functional" if entry.get("class_name") in ("Functional", "Model") else entry.get("class_name")
        try:
            spec = read_layer({**entry, "class_name": kind})
            row_config = _config(spec)
        except UnsupportedLayer as error:
            row_config = {"unsupported": str(error)}
        # A Sequential model keeps its graph in a Functional of its own (each add() rebuilt it,
        # leaving earlier calls on the layers).
        own = _own_nodes(getattr(model, "_functional", None) or model, layer)
        shape = tuple(None if size is None else int(size) for size in own[0].output_tensors[0].shape[1:])
        # A mask Keras hands a call arrives from its own ops (not_equal, any), not from a layer:
        # the port propagates masks itself, so only the layers' tensors are compared.
        inbound = [[source(tensor) for tensor in node.input_tensors if isinstance(tensor._keras_history.operation, keras.layers.Layer)] for node in own]  # noqa: SLF001
        rows.append(LayerRow(kind, shape, int(layer.count_params()), row_config, layer.name, inbound))
    return rows


def _own_nodes(model, layer) -> list:
    """The layer's calls that belong to this model (a layer may also be called elsewhere):
    Keras keys them ``<id of the layer>_ib-<index>`` in a Functional model's ``_nodes``
    (``keras.src.ops.function.make_node_key``)."""
    nodes = layer._inbound_nodes  # noqa: SLF001 - Keras keeps a layer's calls only here
    keys = getattr(model, "_nodes", None)
    if not keys:
        return nodes
    own = [node for index, node in enumerate(nodes) if f"{id(layer)}_ib-{index}" in keys or f"{layer.name}_ib-{index}" in keys]
    return own or nodes


@torch.no_grad()
def lightning_rows(backbone: KerasModel) -> list[LayerRow]:
    graph = backbone.graph
    was_training = backbone.training
    backbone.eval()
    outputs: dict = {}
    backbone.run([torch.zeros(1, *shape) for shape in backbone.graph.stand_in_input_shapes()], keep=outputs)
    backbone.train(was_training)
    inbound = _graph_inbound(graph)
    shapes = graph.node_outputs()
    rows = []
    for position, node in sorted(graph.first_calls().items()):
        layer = graph.layers[position]
        module = backbone.layer_module(position)
        weights = 0 if module is None else sum(p.numel() for p in module.parameters()) + sum(b.numel() for b in module.buffers())
        # An axis the model leaves unknown ran at a stand-in length: report it unknown, as Keras does.
        declared = shapes[(position, node.index)][0]
        shape = tuple(None if known is None else int(size) for known, size in zip(declared, outputs[(position, node.index)][0].shape[1:]))
        rows.append(LayerRow(layer.keras_class, shape, weights, _config(layer), layer.name, inbound.get(position, [])))
    return rows


def compare_rows(keras: list[LayerRow], lightning: list[LayerRow]) -> list[str]:
    """Human-readable differences; empty when the architectures match field for field."""
    problems = []
    if len(keras) != len(lightning):
        problems.append(f"{len(keras)} Keras layers vs {len(lightning)} Lightning layers")
    for index, (keras_row, lightning_row) in enumerate(zip(keras, lightning)):
        where = f"layer {index} ({keras_row.kind} '{keras_row.name}')"
        for name in ("kind", "output_shape", "parameters", "inbound"):
            keras_value, lightning_value = getattr(keras_row, name), getattr(lightning_row, name)
            if _plain(keras_value) != _plain(lightning_value):
                problems.append(f"{where} {name}: Keras {keras_value!r} vs Lightning {lightning_value!r}")
        for name in sorted(set(keras_row.config) | set(lightning_row.config)):
            keras_value, lightning_value = keras_row.config.get(name), lightning_row.config.get(name)
            if keras_value != lightning_value:
                problems.append(f"{where} {name}: Keras {keras_value!r} vs Lightning {lightning_value!r}")
    return problems
