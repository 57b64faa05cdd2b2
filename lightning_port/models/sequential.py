"""A torch ``nn.Module`` that is a recipe's ``keras.Sequential``, layer for layer.

Tensors keep Keras's layout throughout (images channels-last; ``models.layers``). One
deliberate difference from a literal translation: when the loss reads the logits of a final
softmax or sigmoid (Keras on TensorFlow recovers them from the activation op, see
``keras_compat.losses``), ``forward`` stops before that activation and ``probabilities()``
applies it. Otherwise ``forward`` returns exactly what the Keras model outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lightning_port.keras_compat.initializers import initialize
from lightning_port.models import layers as modules
from lightning_port.models.activations import ACTIVATION_FUNCTIONS, activation_module, float32_constant, leaky_relu
from lightning_port.spec import layers as spec
from lightning_port.spec.layers import Layer, output_activation, summarize


@dataclass(frozen=True)
class WeightedLayer:
    """A layer with weights, and what weight translation needs: its spec and torch module."""

    index: int  # position in the recipe's layer list
    spec: Layer
    module: nn.Module


def _core_module(layer: Layer, input_shape: tuple[int, ...]) -> nn.Module | None:
    """The module computing ``layer`` (its activation, if any, comes separately)."""
    channels = input_shape[-1] if input_shape else None
    if isinstance(layer, spec.Dense):
        return nn.Linear(channels, layer.units, bias=layer.use_bias)  # on the last axis, as Keras's Dense
    if isinstance(layer, spec.Conv2D):
        return modules.ChannelsLastConv2d(channels, layer, input_shape)
    if isinstance(layer, spec.Conv1D):
        return modules.ChannelsLastConv1d(channels, layer, input_shape)
    if isinstance(layer, (spec.MaxPooling1D, spec.MaxPooling2D, spec.AveragePooling1D, spec.AveragePooling2D)):
        return modules.ChannelsLastPooling(layer, input_shape)
    if isinstance(layer, (spec.GlobalAveragePooling1D, spec.GlobalAveragePooling2D, spec.GlobalMaxPooling1D, spec.GlobalMaxPooling2D)):
        return modules.GlobalPooling(layer)
    if isinstance(layer, (spec.Flatten, spec.Reshape)):
        return modules.Reshape(layer.output_shape(input_shape))
    if isinstance(layer, spec.Dropout):
        return nn.Dropout(layer.rate)
    if isinstance(layer, spec.SpatialDropout2D):
        return modules.SpatialDropout(layer.rate)
    if isinstance(layer, spec.BatchNormalization):
        return modules.KerasBatchNorm(channels, layer)
    if isinstance(layer, spec.LayerNormalization):
        return modules.KerasLayerNorm(channels, layer)
    if isinstance(layer, spec.ReLU):
        return modules.KerasReLU(layer)
    if isinstance(layer, spec.LeakyReLU):
        slope = layer.negative_slope
        return modules.Elementwise(lambda x: leaky_relu(x, slope), f"leaky_relu({slope})")
    if isinstance(layer, spec.ELU):
        alpha = layer.alpha
        return modules.Elementwise(lambda x: torch.nn.functional.elu(x, alpha), f"elu({alpha})")
    if isinstance(layer, spec.Softmax):
        axis = layer.axis
        return modules.Elementwise(lambda x: torch.softmax(x, dim=axis), f"softmax(axis={axis})")
    if isinstance(layer, spec.Embedding):
        return modules.KerasEmbedding(layer.input_dim, layer.output_dim)
    if isinstance(layer, spec.ZeroPadding2D):
        (top, bottom), (left, right) = layer.padding
        return modules.Elementwise(lambda x: torch.nn.functional.pad(x, (0, 0, left, right, top, bottom)), f"zero_padding({layer.padding})")
    if isinstance(layer, spec.Rescaling):
        # Keras keeps scale and offset as float32 values, in a float64 model too.
        scale, offset = float32_constant(layer.scale), float32_constant(layer.offset)
        return modules.Elementwise(lambda x: x * scale + offset, f"x * {scale} + {offset}")
    if isinstance(layer, spec.Activation):
        return None  # only an activation
    raise TypeError(f"no torch module for layer spec {layer!r}")


@torch.no_grad()
def _initialize(layer: Layer, module: nn.Module) -> None:
    """The layer's own Keras initializers (glorot_uniform kernels, zero biases by default)."""
    if isinstance(layer, (spec.Dense, spec.Conv1D, spec.Conv2D)):
        initialize(module.weight, layer.kernel_initializer)
        if module.bias is not None:
            initialize(module.bias, layer.bias_initializer)
    elif isinstance(layer, spec.Embedding):
        initialize(module.weight, layer.embeddings_initializer)


class KerasSequential(nn.Module):
    def __init__(self, layers: tuple[Layer, ...], input_shape: tuple[int, ...], returns_logits: bool = False):
        """``returns_logits``: stop before the final softmax/sigmoid (the loss reads logits)."""
        super().__init__()
        self.layer_specs = tuple(layers)
        self.keras_input_shape = tuple(input_shape)
        self.output_activation = output_activation(self.layer_specs)
        if returns_logits and self.output_activation not in ("softmax", "sigmoid"):
            raise ValueError(f"returns_logits needs a final softmax or sigmoid, the network ends in {self.output_activation!r}")
        self.returns_logits = returns_logits
        summaries = summarize(self.layer_specs, self.keras_input_shape)
        body: list[nn.Module] = []
        self._weighted: list[tuple[int, int]] = []  # (layer index, body position)
        # layer_ends[i]: how many body modules implement layers 0..i (so body[:end] is the
        # network up to and including layer i).
        self.layer_ends: list[int] = []
        shape = self.keras_input_shape
        last = len(self.layer_specs) - 1
        for index, layer in enumerate(self.layer_specs):
            core = _core_module(layer, shape)
            if core is not None:
                _initialize(layer, core)
                if any(True for _ in core.parameters()) or any(True for _ in core.buffers()):
                    self._weighted.append((index, len(body)))
                body.append(core)
            activation = layer.activation_name if isinstance(layer, (spec.Dense, spec.Conv1D, spec.Conv2D, spec.Activation)) else None
            if not (returns_logits and index == last):  # the loss applies it (see the module docstring)
                module = activation_module(activation)
                if module is not None:
                    body.append(module)
            self.layer_ends.append(len(body))
            shape = summaries[index].output_shape
        self.body = nn.Sequential(*body)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Input shape without the batch dimension: Keras's, channels last for images."""
        return self.keras_input_shape

    def layer_modules(self, index: int) -> list[nn.Module]:
        """The torch modules that implement layer ``index``."""
        start = self.layer_ends[index - 1] if index else 0
        return list(self.body[start : self.layer_ends[index]])

    def weighted_layers(self) -> list[WeightedLayer]:
        return [WeightedLayer(index, self.layer_specs[index], self.body[position]) for index, position in self._weighted]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The model's outputs; its logits when ``returns_logits``."""
        return self.body(inputs)

    def probabilities(self, outputs: torch.Tensor) -> torch.Tensor:
        """What Keras's predict() returns, from what forward() returned."""
        if self.returns_logits:
            return ACTIVATION_FUNCTIONS[self.output_activation](outputs)
        return outputs


def build_backbone(recipe) -> KerasSequential:
    return KerasSequential(recipe.layers, recipe.input_shape, returns_logits=recipe.loss_reads_logits)
