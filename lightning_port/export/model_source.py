"""``model.py``: a recipe's Keras model as one ``nn.Module`` written out.

Attributes are the Keras layers, named as the framework backbone names them (so the two
state_dicts have the same keys); ``forward`` makes the calls in Keras's evaluation order, one
line each: a chain of single-use tensors is ``x``, a tensor read more than once is named after
the layer that made it (Keras's name, as a Functional listing names its tensors). Each layer
kind writes its own line (``LayerKind.emit``); this module adds what the backbone adds around
a kind's module (its activation, the logits a loss reads) and the permutes between Keras's
channels-last layout and torch's channels-first one (``layers.emit``).
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field

from lightning_port.export.activations import activation_code
from lightning_port.export.naming import class_name, identifier, import_block
from lightning_port.layers.emit import CHANNELS_FIRST, CHANNELS_LAST, EITHER, EmitContext, Emitted, NotExportable, Rule
from lightning_port.layers.graph import InputRef, OutputRef, describe
from lightning_port.models.backbone import KerasModel
from lightning_port.spec import Recipe

_TO_CHANNELS_FIRST = "  # Keras's channels-last layout to torch's channels-first"
_TO_CHANNELS_LAST = "  # back to Keras's channels-last layout"


def _wrapped(start: str, items: list[str], end: str, width: int = 110) -> list[str]:
    """``start + items + end`` on one line, or the items on lines of their own when too long."""
    line = f"{start}{', '.join(items)}{end}"
    if len(line) <= width:
        return [line]
    indent = " " * (len(start) - len(start.lstrip()) + 4)
    body = textwrap.wrap(", ".join(items) + ",", width - len(indent))
    return [start.rstrip(), *(indent + part for part in body), start[: len(start) - len(start.lstrip())] + end.lstrip()]


def _parenthesized(expression: str) -> str:
    """The expression as the receiver of a method call: a name, attribute or call stays bare."""
    return expression if re.fullmatch(r"[\w.]+(\(.*\))?", expression) and expression.count("(") <= 1 else f"({expression})"


def _permutation(rank: int, layout: str) -> str:
    """``.permute(...)`` taking a tensor of ``rank`` axes (batch excluded) to ``layout``."""
    if layout == CHANNELS_FIRST:
        axes = (0, rank, *range(1, rank))
    else:
        axes = (0, *range(2, rank + 1), 1)
    return f".permute({', '.join(map(str, axes))})"


@dataclass
class _Value:
    expression: str  # a variable, or an expression (a permuted view of a named tensor)
    layout: str
    shape: tuple  # Keras's, batch axis excluded
    chained: bool  # held in the chain variable x


@dataclass
class ModelSource:
    text: str
    class_name: str
    rules: list[Rule]
    returns_logits: bool
    output_activation: str | None
    attributes: dict[str, str] = field(default_factory=dict)  # attribute -> Keras layer name


def refuse_unsupported(recipe: Recipe) -> None:
    graph = recipe.graph
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise NotExportable(f"{recipe.name}: models with several inputs or outputs are not exported yet ({len(graph.inputs)} inputs, {len(graph.outputs)} outputs)")
    for node in graph.nodes:
        if node.keyword_arguments:
            raise NotExportable(f"{describe(graph.layers[node.layer])}: calls with keyword arguments are not exported yet")


class _Writer:
    def __init__(self, recipe: Recipe):
        self.recipe = recipe
        self.graph = recipe.graph
        self.shapes = self.graph.node_outputs()
        self.backbone_names = KerasModel(self.graph).module_names
        self.lines: list[str] = []
        self.rules: list[Rule] = []
        self.imports: set[str] = {"from torch import nn"}
        self.taken: set[str] = set()
        self.consumers = Counter(reference for node in self.graph.nodes for reference in node.references())
        for reference in self.graph.outputs:
            self.consumers[reference] += 1
        self.values: dict = {}
        self.modules: dict[int, Emitted] = {}

    # ---- tensors ----
    def _in_layout(self, value: _Value, layout: str) -> str:
        """The value's expression in ``layout``: a permuted view (a line of its own for the chain)."""
        if value.layout == layout or len(value.shape) < 2:
            return value.expression
        permuted = f"{value.expression}{_permutation(len(value.shape), layout)}"
        if value.chained:
            comment = _TO_CHANNELS_FIRST if layout == CHANNELS_FIRST else _TO_CHANNELS_LAST
            self.lines.append(f"x = {permuted}{comment}")
            value.expression, value.layout = "x", layout
            return "x"
        return permuted

    def _name_for(self, reference: OutputRef, node_position: int) -> tuple[str, bool]:
        """x for a tensor read once, by the very next call; else the layer's name."""
        nodes = self.graph.nodes
        if self.consumers[reference] == 1:
            following = nodes[node_position + 1] if node_position + 1 < len(nodes) else None
            if following is None and reference in self.graph.outputs:
                return "return", True
            if following is not None and reference in following.references():
                return "x", True
        layer = self.graph.layers[reference.layer]
        return identifier(layer.name + (f"_call{reference.node + 1}" if reference.node else ""), self.taken), False

    # ---- the calls ----
    def write(self) -> ModelSource:
        graph_input = self.graph.inputs[0]
        name = graph_input.name or ""
        chained = bool(self.graph.nodes) and InputRef(0) in self.graph.nodes[0].references() and self.consumers[InputRef(0)] == 1
        automatic = name.startswith("input_layer") or not name
        parameter = ("x" if chained else identifier("inputs", self.taken)) if automatic else identifier(name, self.taken)
        self.values[InputRef(0)] = _Value(parameter, CHANNELS_LAST, tuple(graph_input.shape), chained)
        self.parameter = parameter
        for position, node in enumerate(self.graph.nodes):
            self._call(position, node)
        output = self.values[self.graph.outputs[0]]
        if output.expression != "return":
            self.lines.append(f"return {self._in_layout(output, CHANNELS_LAST)}")
        return self._source()

    def _call(self, position: int, node) -> None:
        layer = self.graph.layers[node.layer]
        where = describe(layer)
        arguments = [self.values[reference] for reference in (node.arguments if isinstance(node.arguments, tuple) else (node.arguments,))]
        layout = layer.export_layout
        if layout == EITHER:
            layout = next((value.layout for value in arguments if len(value.shape) >= 2), CHANNELS_LAST)
        expressions = tuple(self._in_layout(value, layout) for value in arguments)
        attribute = self.backbone_names.get(node.layer) or layer.name
        context = EmitContext(f"self.{attribute}", expressions, self.graph.node_input_shape(node, self.shapes), layout, where)
        emitted = layer.emit(context)
        if emitted.module is not None:
            self.modules.setdefault(node.layer, emitted)
        self.rules += emitted.rules
        self.imports.update(emitted.imports)
        expression = emitted.call
        reference = OutputRef(node.layer, node.index, 0)
        shape = self.shapes[(node.layer, node.index)][0]
        activation = layer.activation_name
        is_logits = reference in self.graph.outputs and self.recipe.outputs_are_logits[0]
        if activation not in (None, "linear") and not is_logits:
            code = activation_code(activation, where)
            if code.along_last_axis and layout == CHANNELS_FIRST and len(shape) >= 2:
                expression, layout = _parenthesized(expression) + _permutation(len(shape), CHANNELS_LAST), CHANNELS_LAST
            expression = code.template.format(expression)
            self.imports.update(code.imports)
            if code.rule is not None:
                self.rules.append(code.rule)
        if "torch." in expression:
            self.imports.add("import torch")
        variable, chained = self._name_for(reference, position)
        comment = "  # logits: the loss reads them (module.py)" if is_logits else ""
        obvious = layer.keras_class.lower() in expression.lower() or f"self.{attribute}" in expression
        if not comment and not obvious and layer.name not in (variable, expression):
            comment = f"  # {layer.name}"
        identity = len(arguments) == 1 and expression == expressions[0]
        if variable == "return":
            if layout == CHANNELS_FIRST and len(shape) >= 2:
                expression = _parenthesized(expression) + _permutation(len(shape), CHANNELS_LAST)
            self.lines.append(f"return {expression}{comment}")
        elif identity and (variable == "x") == arguments[0].chained:
            variable = expression  # the same tensor (Identity, a linear Activation): no line
        else:
            self.lines.append(f"{variable} = {expression}{comment}")
        self.values[reference] = _Value(variable, layout, tuple(shape), chained)

    # ---- the file ----
    def _initialization(self) -> list[str]:
        groups: dict[tuple[str, ...], list[str]] = {}
        kernels, biases, recurrent = [], [], []
        for position, emitted in self.modules.items():
            if emitted.initialization:
                groups.setdefault(emitted.initialization, []).append(f"self.{self.backbone_names.get(position) or self.graph.layers[position].name}")
                # (kernel, bias, recurrent kernel), each optional ("" or absent: none)
                names = emitted.initializers
                kernels += [names[0]] if names else []
                biases += [name for name in names[1:2] if name]
                recurrent += list(names[2:3])
        if not groups:
            return []
        described = ", ".join(dict.fromkeys(kernels)) + " kernels" + (f", {', '.join(dict.fromkeys(biases))} biases" if biases else "")
        described += f", {', '.join(dict.fromkeys(recurrent))} recurrent kernels" if recurrent else ""
        docstring = f'"""Keras\'s initializers ({described}); torch\'s layers start from others."""'
        if len(docstring) > 110:
            docstring = textwrap.fill(docstring, 100, subsequent_indent="        ")
        lines = ["", "    def reset_parameters(self):", f"        {docstring}"]
        for templates, attributes in groups.items():
            if len(attributes) == 1:
                lines += [f"        {template.format(attributes[0])}" for template in templates]
            else:
                lines += _wrapped("        for layer in (", attributes, "):")
                lines += [f"            {template.format('layer')}" for template in templates]
        return lines

    def _source(self) -> ModelSource:
        recipe = self.recipe
        name = class_name(self.graph.name or recipe.name)
        constructors = []
        attributes = {}
        for position in sorted(self.modules):
            attribute = self.backbone_names.get(position) or self.graph.layers[position].name
            attributes[attribute] = self.graph.layers[position].name
            constructors.append(f"        self.{attribute} = {self.modules[position].module}")
        initialization = self._initialization()
        rule_names = sorted({rule.name for rule in self.rules})
        imports = set(self.imports)
        if rule_names:
            imports.add(f"from keras_rules import {', '.join(rule_names)}")
        activation = recipe.output_activations[0]
        shape = tuple(self.graph.inputs[0].shape)
        taken = f"a batch of shape (N, {', '.join(map(str, shape))})" + (", channels last as in Keras," if len(shape) >= 2 else "")
        returned = (
            f"returns the logits of the final {activation}: the loss reads them, as Keras's crossentropy does (module.py)."
            if recipe.outputs_are_logits[0] else "returns what the Keras model returns."
        )
        paragraph = (
            "Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys read like Keras's "
            f"weights. forward takes {taken} and {returned}"
        )
        docstring = (
            '    """' + textwrap.fill(f"{recipe.description}.", 92, subsequent_indent="    ").lstrip() + "\n\n"
            + textwrap.fill(paragraph, 96, initial_indent="    ", subsequent_indent="    ") + '\n    """'
        )
        body = [f"class {name}(nn.Module):", docstring, "", "    def __init__(self):", "        super().__init__()", *constructors]
        if initialization:
            body.append("        self.reset_parameters()")
            body += initialization
        body += ["", f"    def forward(self, {self.parameter}):", *(f"        {line}" for line in self.lines)]
        header = f'"""The Keras model of {recipe.name} in torch: exported by lightning-port (scripts/export.py)."""'
        text = f"{header}\n\n{import_block(imports)}\n\n\n" + "\n".join(body) + "\n"
        return ModelSource(text, name, self.rules, recipe.outputs_are_logits[0], activation, attributes)


def model_source(recipe: Recipe) -> ModelSource:
    refuse_unsupported(recipe)
    return _Writer(recipe).write()
