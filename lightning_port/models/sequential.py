"""A torch ``nn.Module`` that is the tutorial's ``keras.Sequential``, layer for layer.

Two deliberate differences from a literal translation:

* The output layer's softmax/sigmoid is *not* applied in ``forward``: the network returns
  logits and the loss uses the logits form, which is what Keras on TensorFlow computes for
  a softmax/sigmoid output layer (it recovers the logits from the activation op).
  ``probabilities()`` applies the activation for prediction.
* Nothing else: tensors keep Keras's layout, images (N, H, W, C) channels last, and the
  convolution and pooling modules compute on a channels-last view (``models.layers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lightning_port.keras_compat.initializers import keras_default_init_
from lightning_port.models.layers import ChannelsLastConv2d, ChannelsLastMaxPool2d
from lightning_port.spec.layers import (
    Activation,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LayerSpec,
    MaxPooling2D,
    output_activation,
    summarize,
)


@dataclass(frozen=True)
class WeightedLayer:
    """A layer with a kernel and a bias, and what weight translation needs to know about it."""

    spec: Dense | Conv2D
    module: nn.Linear | nn.Conv2d


def _activation_module(name: str | None) -> nn.Module | None:
    if name is None or name == "linear":
        return None
    if name == "relu":
        return nn.ReLU()
    if name == "softmax":
        return nn.Softmax(dim=1)
    if name == "sigmoid":
        return nn.Sigmoid()
    raise ValueError(f"unsupported activation {name!r}")


class KerasSequential(nn.Module):
    def __init__(self, layers: tuple[LayerSpec, ...], input_shape: tuple[int, ...]):
        super().__init__()
        self.layer_specs = tuple(layers)
        self.keras_input_shape = tuple(input_shape)
        self.output_activation = output_activation(self.layer_specs)
        summaries = summarize(self.layer_specs, self.keras_input_shape)
        modules: list[nn.Module] = []
        self._weighted: list[int] = []
        # layer_ends[i]: how many body modules implement layer specs 0..i (so body[:end] is
        # the network up to and including layer i).
        self.layer_ends: list[int] = []
        shape = self.keras_input_shape
        last = len(self.layer_specs) - 1
        for index, spec in enumerate(self.layer_specs):
            # The output activation is applied by `probabilities()`, not in forward.
            activation = None if index == last else getattr(spec, "activation", None)
            if isinstance(spec, Dense):
                modules.append(nn.Linear(shape[0], spec.units))
                self._weighted.append(len(modules) - 1)
            elif isinstance(spec, Conv2D):
                if spec.padding == "same" and any(size % 2 == 0 for size in spec.kernel_size):
                    raise ValueError("'same' padding with an even kernel pads asymmetrically in Keras; unsupported")
                modules.append(ChannelsLastConv2d(shape[-1], spec.filters, spec.kernel_size, padding=spec.padding))
                self._weighted.append(len(modules) - 1)
            elif isinstance(spec, MaxPooling2D):
                modules.append(ChannelsLastMaxPool2d(spec.pool_size))
            elif isinstance(spec, Dropout):
                modules.append(nn.Dropout(spec.rate))
            elif isinstance(spec, Flatten):
                modules.append(nn.Flatten())  # of (N, H, W, C): Keras's order
            elif isinstance(spec, Activation):
                activation = None  # handled below, once
                if index != last:
                    modules.append(_activation_module(spec.activation))
            module = _activation_module(activation)
            if module is not None:
                modules.append(module)
            self.layer_ends.append(len(modules))
            shape = summaries[index].output_shape
        self.body = nn.Sequential(*modules)
        keras_default_init_(self)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Input shape without the batch dimension: Keras's, channels last for images."""
        return self.keras_input_shape

    def layer_modules(self, index: int) -> list[nn.Module]:
        """The torch modules that implement layer spec ``index``."""
        start = self.layer_ends[index - 1] if index else 0
        return list(self.body[start : self.layer_ends[index]])

    def weighted_layers(self) -> list[WeightedLayer]:
        specs = [spec for spec in self.layer_specs if isinstance(spec, (Dense, Conv2D))]
        return [WeightedLayer(spec, self.body[position]) for spec, position in zip(specs, self._weighted, strict=True)]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits: the output layer before its softmax/sigmoid."""
        return self.body(inputs)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        if self.output_activation == "softmax":
            return torch.softmax(logits, dim=1)
        return torch.sigmoid(logits)


def build_backbone(recipe) -> KerasSequential:
    return KerasSequential(recipe.layers, recipe.input_shape)
