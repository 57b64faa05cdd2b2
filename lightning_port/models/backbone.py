"""The torch ``nn.Module`` that is a recipe's Keras model: its graph of layer calls, run.

Every layer is a submodule named after the Keras layer (``conv2d``, ``dense_1``; a nested
model's layers under its name, ``data_augmentation.random_flip``), so ``state_dict`` keys read
like Keras's variable paths and stay stable; a layer called twice is one submodule, so its
weights are shared as in Keras. ``forward`` evaluates the calls in Keras's order
(``layers.graph``). Tensors keep Keras's layout throughout (images channels-last).

One deliberate difference from a literal translation: for an output whose loss reads the
logits of a final softmax or sigmoid (Keras on TensorFlow recovers them from the activation
op, see ``keras_compat.losses``), ``forward`` returns the activation's input and
``probabilities()`` applies it; every other consumer of that tensor sees the activated value.

Keras masks (``Embedding(mask_zero=True)``, ``Masking``) are carried per tensor where the graph
says a call's output has one (``Graph.mask_flow``): each such call computes its output's mask
(``LayerKind.compute_mask``), a layer that takes one gets ``mask=`` from its input, and a model
output that carries one has it attached for the loss (``ops.masks``). A graph without a mask
does none of this work.
"""

from __future__ import annotations

import torch
from torch import nn

from lightning_port.layers.base import BuildContext, LayerKind
from lightning_port.layers.graph import Graph, InputRef, OutputRef, final_activation
from lightning_port.ops.activations import ACTIVATION_FUNCTIONS
from lightning_port.ops.masks import attach_mask

# Names nn.Module itself uses: a Keras layer so named gets a suffix as its attribute.
_RESERVED = set(dir(nn.Module)) | {"graph", "plan", "returns_logits", "output_activations", "module_names", "keras_input_shapes", "float_layers", "masked", "masking_calls", "uses_masks"}


class KerasModel(nn.Module, BuildContext):
    def __init__(self, graph: Graph, returns_logits: tuple[bool, ...] | bool = False):
        """``graph``: resolved (every layer named). ``returns_logits``, per output: return the
        input of its final softmax or sigmoid (the loss reads logits)."""
        super().__init__()
        self.graph = graph
        self.keras_input_shapes = graph.input_shapes
        self.output_activations = tuple(final_activation(graph, reference) for reference in graph.outputs)
        if isinstance(returns_logits, bool):
            returns_logits = (returns_logits,) * len(graph.outputs)
        for wanted, activation in zip(returns_logits, self.output_activations):
            if wanted and activation not in ("softmax", "sigmoid"):
                raise ValueError(f"returns_logits needs a final softmax or sigmoid, the output ends in {activation!r}")
        self.returns_logits = tuple(returns_logits)
        shapes = graph.node_outputs()
        first_calls = graph.first_calls()
        self.module_names: dict[int, str] = {}
        activations: dict[int, object] = {}
        for position, layer in enumerate(graph.layers):
            module = layer.build(graph.node_input_shape(first_calls[position], shapes), self)
            if module is not None:
                with torch.no_grad():
                    layer.initialize(module)
                self.module_names[position] = self._register(layer.name, module)
            name = layer.activation_name
            if name not in (None, "linear"):
                activations[position] = ACTIVATION_FUNCTIONS[name]
        # The plan: per call, what forward does (kept as plain data so the loop stays short).
        self.plan = [(node, self.module_names.get(node.layer), activations.get(node.layer), _is_model(graph.layers[node.layer])) for node in graph.nodes]
        # Layers that compute in floating point: an integer tensor (a lookup's indices) reaching
        # one is cast to the model's dtype first, as Keras's ops promote int with float.
        self.float_layers = {position for position, layer in enumerate(graph.layers) if not _takes_integers(layer)}
        # Which call outputs carry a Keras mask; none in most graphs, and then no mask work at all.
        self.masked = {reference for reference, masked in graph.mask_flow(shapes).items() if masked}
        self.masking_calls = {(reference.layer, reference.node) for reference in self.masked}
        self.uses_masks = bool(self.masked)

    def _register(self, name: str, module: nn.Module) -> str:
        attribute = name.replace(".", "_")
        while attribute in _RESERVED or attribute in self._modules:
            attribute += "_layer"
        self.add_module(attribute, module)
        return attribute

    # ---- BuildContext ----
    def submodel(self, layer: LayerKind, input_shape) -> KerasModel:
        """The module of a nested model: a backbone of its own (its logits recovered only where
        the outer model's output is its output: see ``forward``)."""
        graph = layer.graph_for(input_shape)
        return KerasModel(graph, returns_logits=False)

    # ---- shapes ----
    @property
    def input_shape(self) -> tuple[int, ...]:
        """The input shape without the batch axis (Keras's, channels last); one-input models."""
        if len(self.keras_input_shapes) != 1:
            raise ValueError(f"the model has {len(self.keras_input_shapes)} inputs; see input_shapes")
        return self.keras_input_shapes[0]

    @property
    def input_shapes(self) -> tuple[tuple[int, ...], ...]:
        return self.keras_input_shapes

    def layer_module(self, position: int) -> nn.Module | None:
        """The module of layer ``position`` of the graph (None: the layer is its activation only)."""
        name = self.module_names.get(position)
        return None if name is None else self._modules[name]

    # ---- running ----
    def run(self, inputs: list[torch.Tensor], keep=None) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
        """Every output, and each output's value before its final activation (None where it
        has none). ``keep``: a dict that receives every call's outputs, (layer, call) -> list."""
        values: dict = {InputRef(index): tensor for index, tensor in enumerate(inputs)}
        before: dict = {}
        masks: dict | None = {} if self.uses_masks else None
        modules = self._modules

        def fetch(reference):
            return [values[item] for item in reference] if isinstance(reference, tuple) else values[reference]

        def fetch_mask(reference):
            return [masks.get(item) for item in reference] if isinstance(reference, tuple) else masks.get(reference)

        for node, module_name, activation, nested in self.plan:
            arguments = fetch(node.arguments)
            keywords = {key: fetch(value) for key, value in node.keyword_arguments}
            if node.layer in self.float_layers:
                arguments = self._floating(arguments)
            input_mask = None
            if masks is not None:
                input_mask = fetch_mask(node.arguments)
                present = any(item is not None for item in input_mask) if isinstance(input_mask, list) else input_mask is not None
                # Keras hands a layer its input's mask only when the call has one tensor
                # argument (Layer.__call__): with an initial_state, an RNN runs unmasked
                # (its output still carries the mask on).
                if present and self.graph.layers[node.layer].takes_mask and not node.keyword_arguments:
                    keywords["mask"] = input_mask
            if nested:
                outputs, logits = modules[module_name].run(arguments if isinstance(arguments, list) else [arguments])
            else:
                result = modules[module_name](arguments, **keywords) if module_name is not None else arguments
                outputs = list(result) if isinstance(result, (tuple, list)) else [result]
                logits = [None] * len(outputs)
                if activation is not None:
                    logits, outputs = [outputs[0]], [activation(outputs[0])]
            for index, tensor in enumerate(outputs):
                reference = OutputRef(node.layer, node.index, index)
                values[reference] = tensor
                before[reference] = logits[index]
            if masks is not None and (node.layer, node.index) in self.masking_calls:
                for index, mask in enumerate(self.graph.layers[node.layer].compute_mask(arguments, input_mask, outputs)):
                    if OutputRef(node.layer, node.index, index) in self.masked:
                        masks[OutputRef(node.layer, node.index, index)] = mask
            if keep is not None:
                keep[(node.layer, node.index)] = outputs
        results, logits = [values[reference] for reference in self.graph.outputs], [before.get(reference) for reference in self.graph.outputs]
        if masks is not None:
            for reference, tensor, logit in zip(self.graph.outputs, results, logits):
                for item in (tensor, logit):
                    if reference in masks and item is not None:
                        attach_mask(item, masks[reference])
        return results, logits

    def _floating(self, arguments):
        if isinstance(arguments, list):
            return [self._floating(item) for item in arguments]
        if arguments.is_floating_point():
            return arguments
        tensors = [*self.parameters(), *self.buffers()]
        dtype = next((tensor.dtype for tensor in tensors if tensor.is_floating_point()), torch.get_default_dtype())
        return arguments.to(dtype)

    def forward(self, *inputs: torch.Tensor):
        """The model's outputs (one tensor, or a tuple for several), logits where
        ``returns_logits`` asks. Several inputs: ``forward(a, b)`` or ``forward((a, b))``."""
        if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
            inputs = tuple(inputs[0])
        outputs, logits = self.run(list(inputs))
        results = [logit if wanted else output for output, logit, wanted in zip(outputs, logits, self.returns_logits)]
        return results[0] if len(results) == 1 else tuple(results)

    def probabilities(self, outputs):
        """What Keras's predict() returns, from what forward() returned."""
        if not isinstance(outputs, tuple):
            return self._probabilities(outputs, 0)
        return tuple(self._probabilities(output, index) for index, output in enumerate(outputs))

    def _probabilities(self, output, index):
        return ACTIVATION_FUNCTIONS[self.output_activations[index]](output) if self.returns_logits[index] else output

    def extra_repr(self) -> str:
        return f"inputs={self.keras_input_shapes}, outputs={self.graph.output_names()}"


def _is_model(layer: LayerKind) -> bool:
    return hasattr(layer, "graph_for")


def _takes_integers(layer: LayerKind) -> bool:
    """Layers that read integer tensors as they are: lookups of indices, and shape-only ones."""
    return _is_model(layer) or getattr(layer, "integer_inputs", False) or getattr(layer, "keeps_integers", False)


def build_backbone(recipe) -> KerasModel:
    return KerasModel(recipe.graph, returns_logits=recipe.outputs_are_logits)


__all__ = ["KerasModel", "build_backbone"]
