"""A recipe written back as a Python module that reads like ``lightning_port/recipes/*.py``:
a stack as a Keras ``Sequential`` lists its layers, a Functional model as its Keras code (one
line per layer call, in the order Keras runs them, each tensor named after the layer that made
it), the optimizer with every hyperparameter the model was compiled with, the loss. Loading
the module gives back an equal recipe, its layers named alike (checked when written).
"""

from __future__ import annotations

import dataclasses
import json
import keyword
import re
import textwrap

from lightning_port.layers.base import LayerKind
from lightning_port.layers.graph import Graph, InputRef
from lightning_port.spec import Recipe


def _value(value) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _call(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # double quotes, as the recipes are written
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(_value(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _call(spec, keep: tuple[str, ...] = (), keyword_only: bool = False) -> str:
    """``Name(required..., option=value)`` with only the options that differ from the defaults
    (and those named in ``keep``), required fields positionally (unless ``keyword_only``), as a
    person would write it."""
    positional, keywords, name = [], [], []
    for field in dataclasses.fields(spec):
        value = getattr(spec, field.name)
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        if not has_default:
            (keywords if keyword_only else positional).append(f"{field.name}={_value(value)}" if keyword_only else _value(value))
            continue
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        if value != default or field.name in keep:
            # A layer's name last, as Keras code writes it.
            (name if field.name == "name" and isinstance(spec, LayerKind) else keywords).append(f"{field.name}={_value(value)}")
    return f"{type(spec).__name__}({', '.join(positional + keywords + name)})"


def _loss_value(loss) -> str:
    """A loss with Keras's defaults as compile() names it ("categorical_crossentropy"), else
    its spec; one per output as a tuple or a dict by output name."""
    if isinstance(loss, dict):
        return "{" + ", ".join(f"{_value(name)}: {_loss_value(item)}" for name, item in loss.items()) + "}"
    if isinstance(loss, tuple):
        return "(" + ", ".join(_loss_value(item) for item in loss) + ("," if len(loss) == 1 else "") + ")"
    if dataclasses.is_dataclass(loss) and _call(loss).endswith("()"):
        return _value(loss.keras_name)
    return _value(loss)


def _loss_text(recipe: Recipe) -> str:
    return _loss_value(recipe.loss)


def _loss_classes(loss) -> set[str]:
    if isinstance(loss, dict):
        return set().union(*(_loss_classes(item) for item in loss.values())) if loss else set()
    if isinstance(loss, tuple):
        return set().union(*(_loss_classes(item) for item in loss)) if loss else set()
    if dataclasses.is_dataclass(loss) and not _call(loss).endswith("()"):
        return {type(loss).__name__}
    return set()


def _identifier(name: str) -> str:
    text = re.sub(r"\W+", "_", name).strip("_") or "tensor"
    text = f"x_{text}" if text[0].isdigit() else text
    return f"{text}_" if keyword.iskeyword(text) else text


class _Variables:
    """Python names for the tensors of a graph (and its nested models): each tensor named after
    the layer (or input) that makes it, made unique across the file."""

    def __init__(self, reserved: set[str]):
        self.used = set(reserved)

    def new(self, wanted: str) -> str:
        base = _identifier(wanted)
        name, count = base, 1
        while name in self.used:
            count += 1
            name = f"{base}_{count}"
        self.used.add(name)
        return name


def graph_lines(graph: Graph, variables: _Variables, model_variable: str) -> list[str]:
    """Keras Functional code for ``graph`` ending in ``model_variable = Model(...)``: its inputs,
    nested models and shared layers as variables, then one line per call in Keras's order."""
    lines: list[str] = []
    tensors: dict = {}
    resolved = graph.resolved()  # the names Keras gives: each tensor is named after its layer
    for index, graph_input in enumerate(graph.inputs):
        variable = variables.new(graph_input.name or "inputs")
        tensors[InputRef(index)] = variable
        options = ([f"name={_value(graph_input.name)}"] if graph_input.name else []) + ([f"dtype={_value(graph_input.dtype)}"] if graph_input.dtype != "float32" else [])
        lines.append(f"{variable} = Input(shape={_value(tuple(graph_input.shape))}{''.join(', ' + option for option in options)})")
    calls_per_layer = {}
    for node in graph.nodes:
        calls_per_layer[node.layer] = calls_per_layer.get(node.layer, 0) + 1
    layer_variables: dict[int, str] = {}
    for position, layer in enumerate(graph.layers):
        if layer.keras_class == "Functional":
            inner = variables.new(resolved.layers[position].name)
            lines += [""] + graph_lines(layer.graph, variables, inner) + [""]
            layer_variables[position] = inner
        elif calls_per_layer.get(position, 0) > 1 or layer.keras_class == "Sequential":
            variable = variables.new(f"{resolved.layers[position].name}_layer" if layer.keras_class != "Sequential" else resolved.layers[position].name)
            lines.append(f"{variable} = {_call(layer)}")
            layer_variables[position] = variable

    def argument(reference) -> str:
        if isinstance(reference, tuple):
            return "[" + ", ".join(tensors[item] for item in reference) + "]"
        return tensors[reference]

    from lightning_port.layers.graph import OutputRef

    for node in graph.creation_order():
        layer = graph.layers[node.layer]
        callee = layer_variables.get(node.layer) or _call(layer)
        keywords = "".join(f", {key}={argument(value)}" for key, value in node.keyword_arguments)
        call = f"{callee}({argument(node.arguments)}{keywords})"
        outputs = len(layer.output_shapes(graph.node_input_shape(node)))
        base = resolved.layers[node.layer].name + (f"_call{node.index + 1}" if node.index else "")
        names = [variables.new(base)] if outputs == 1 else [variables.new(f"{base}_output_{index}") for index in range(outputs)]
        for index, name in enumerate(names):
            tensors[OutputRef(node.layer, node.index, index)] = name
        lines.append(f"{', '.join(names)} = {call}")
    inputs = argument(tuple(InputRef(index) for index in range(len(graph.inputs)))) if len(graph.inputs) > 1 else tensors[InputRef(0)]
    outputs = argument(tuple(graph.outputs)) if len(graph.outputs) > 1 else tensors[graph.outputs[0]]
    name = f", name={_value(graph.name)}" if graph.name else ""
    lines.append(f"{model_variable} = Model({inputs}, {outputs}{name})")
    return lines


def _layer_classes(recipe: Recipe) -> set[str]:
    classes = set()
    layers = recipe.layers
    for layer in (layers if isinstance(layers, tuple) else [layers]):
        for item in [layer, *(_walk(layer))]:
            classes.add(type(item).__name__)
    if not isinstance(layers, tuple):
        classes |= {"Input", "Model"}
        classes.discard("Functional")
    return classes


def _walk(layer: LayerKind):
    if layer.keras_class == "Sequential":
        for item in layer.layers:
            yield item
            yield from _walk(item)
    elif layer.keras_class == "Functional":
        for item in layer.graph.layers:
            yield item
            yield from _walk(item)
    for item in layer.wrapped_layers():
        yield item
        yield from _walk(item)


def _names(recipe: Recipe) -> list[str]:
    names = {"Article", "Preprocessing", "Recipe", "ReportedResult"}
    names |= _layer_classes(recipe)
    names |= _loss_classes(recipe.loss)
    for value in (recipe.optimizer,):
        if dataclasses.is_dataclass(value):
            names.add(type(value).__name__)
            for field in dataclasses.fields(value):
                inner = getattr(value, field.name)
                if dataclasses.is_dataclass(inner):
                    names.add(type(inner).__name__)
    return sorted(names, key=lambda name: (name.upper() != name, name))


def recipe_source(recipe: Recipe, origin: str, all_names: bool = False) -> str:
    """The module's text. ``origin``: one line saying where the model came from.
    ``all_names``: write every layer's name, even those Keras's auto-naming would give."""
    if all_names:
        recipe = _with_all_names(recipe)
    imports = ",\n".join(f"    {name}" for name in _names(recipe))
    optimizer = _call(recipe.optimizer, keep=("learning_rate",)) if recipe.optimizer is not None else "None"
    loss = _loss_text(recipe)
    notes = "".join(f"\n        {_value(note)}," for note in recipe.notes)
    notes_line = f"\n    notes=({notes}\n    )," if recipe.notes else ""
    docstring = textwrap.fill(
        f"{origin} Read by scripts/port.py: the layers and compile() settings are the file's; "
        "epochs and batch size are Keras's fit() defaults (a .keras file does not store them). "
        "Train it with scripts/train.py --recipe THIS_FILE.",
        width=96,
    )
    model_code = ""
    if isinstance(recipe.layers, tuple):
        layers_lines = "\n".join(f"        {_call(layer)}," for layer in recipe.layers)
        layers_field = f"    input_shape={_value(tuple(recipe.input_shape))},\n    preprocessing={_call(recipe.preprocessing)},\n    layers=(\n{layers_lines}\n    ),"
    else:
        model_code = "\n".join(graph_lines(recipe.layers.graph, _Variables({"RECIPE", "MODEL", *_names(recipe)}), "MODEL")) + "\n\n"
        layers_field = f"    preprocessing={_call(recipe.preprocessing)},\n    layers=MODEL,"
    extras = ""
    if recipe.loss_weights is not None:
        extras += f"\n    loss_weights={_value(recipe.loss_weights) if not isinstance(recipe.loss_weights, dict) else '{' + ', '.join(f'{_value(k)}: {v!r}' for k, v in recipe.loss_weights.items()) + '}'},"
    if recipe.metrics != ("accuracy",):
        metrics = recipe.metrics
        extras += f"\n    metrics={'{' + ', '.join(f'{_value(k)}: {_value(tuple(v))}' for k, v in metrics.items()) + '}' if isinstance(metrics, dict) else _value(tuple(metrics))},"
    return f'''"""{docstring}"""

from lightning_port.spec import (
{imports},
)

{model_code}RECIPE = Recipe(
    name={_value(recipe.name)},
    description={_value(recipe.description)},
    article={_call(recipe.article, keyword_only=True)},
    dataset={_value(recipe.dataset)},
    data_file={_value(recipe.data_file)},
{layers_field}
    optimizer={optimizer},
    loss={loss},{extras}
    epochs={recipe.epochs},
    batch_size={recipe.batch_size},
    parameter_count={recipe.parameter_count:_},
    reported=ReportedResult(),
    accuracy_target={recipe.accuracy_target!r},
    evaluate_on={_value(recipe.evaluate_on)},{notes_line}
)
'''


def _with_all_names(recipe: Recipe) -> Recipe:
    """The recipe with every layer and input named as it resolves (explicit everywhere)."""
    graph = recipe.graph
    if isinstance(recipe.layers, tuple):
        return dataclasses.replace(recipe, layers=graph.layers)
    from lightning_port.layers.kinds.model import Functional

    return dataclasses.replace(recipe, layers=Functional(graph=graph, name=recipe.layers.name))
