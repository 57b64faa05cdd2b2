"""Keras <-> Lightning weight translation, both ways, with a shape check on every tensor.

Keras stores, per Dense/Conv2D layer in order, ``[kernel, bias]``. What changes on the way
to torch (and back, inverted):

| Keras layer                  | Keras kernel       | torch weight        | operation                          |
|------------------------------|--------------------|---------------------|------------------------------------|
| Dense                        | (in, out)          | (out, in)           | transpose                          |
| Conv2D                       | (kh, kw, in, out)  | (out, in, kh, kw)   | permute HWIO -> OIHW               |
| bias (all)                   | (out,)             | (out,)              | copied                             |

Flatten needs no row: the backbone keeps Keras's channels-last layout (``models.layers``),
so a Dense after Flatten sees its inputs in Keras's order.
"""

from __future__ import annotations

import numpy as np
import torch

from lightning_port.spec.layers import Conv2D
from lightning_port.models.sequential import KerasSequential, WeightedLayer


class WeightTranslationError(ValueError):
    """Keras weights that do not fit the model (wrong model, wrong count, wrong shape)."""


def _module_names(backbone: KerasSequential) -> dict[int, str]:
    return {id(module): name for name, module in backbone.named_modules()}


def _kernel_to_torch(layer: WeightedLayer, kernel: np.ndarray) -> np.ndarray:
    if isinstance(layer.spec, Conv2D):
        return kernel.transpose(3, 2, 0, 1)  # HWIO -> OIHW
    return kernel.T  # (in, out) -> (out, in)


def _kernel_to_keras(layer: WeightedLayer, weight: np.ndarray) -> np.ndarray:
    if isinstance(layer.spec, Conv2D):
        return weight.transpose(2, 3, 1, 0)  # OIHW -> HWIO
    return weight.T


def _floating(array) -> np.ndarray:
    """float64 arrays stay float64 (precision checks); anything else becomes float32."""
    array = np.asarray(array)
    return array if array.dtype == np.float64 else array.astype(np.float32)


def _check_shape(what: str, actual: tuple, expected: tuple) -> None:
    if tuple(actual) != tuple(expected):
        raise WeightTranslationError(f"{what}: shape {tuple(actual)} does not fit {tuple(expected)}")


def keras_to_state_dict(backbone: KerasSequential, keras_weights: list[np.ndarray]) -> dict[str, torch.Tensor]:
    """A state dict for ``backbone`` (keys as in ``backbone.state_dict()``) from Keras's get_weights()."""
    layers = backbone.weighted_layers()
    if len(keras_weights) != 2 * len(layers):
        raise WeightTranslationError(
            f"expected {2 * len(layers)} Keras arrays (kernel and bias of {len(layers)} layers), got {len(keras_weights)}"
        )
    names = _module_names(backbone)
    state: dict[str, torch.Tensor] = {}
    for index, layer in enumerate(layers):
        kernel, bias = (_floating(array) for array in keras_weights[2 * index : 2 * index + 2])
        name = names[id(layer.module)]
        kind = "Conv2D" if isinstance(layer.spec, Conv2D) else "Dense"
        expected_kernel = _kernel_to_keras(layer, layer.module.weight.detach().cpu().numpy()).shape
        _check_shape(f"Keras {kind} layer {index} kernel -> {name}.weight", kernel.shape, expected_kernel)
        _check_shape(f"Keras {kind} layer {index} bias -> {name}.bias", bias.shape, tuple(layer.module.bias.shape))
        weight = np.ascontiguousarray(_kernel_to_torch(layer, kernel))
        assert weight.shape == tuple(layer.module.weight.shape), (name, weight.shape)
        state[f"{name}.weight"] = torch.from_numpy(weight)
        state[f"{name}.bias"] = torch.from_numpy(bias.copy())
    return state


def load_keras_weights(backbone: KerasSequential, keras_weights: list[np.ndarray]) -> None:
    """Copy Keras weights (``model.get_weights()`` order) into the torch backbone in place."""
    backbone.load_state_dict(keras_to_state_dict(backbone, keras_weights), strict=True)


def export_keras_weights(backbone: KerasSequential) -> list[np.ndarray]:
    """The backbone's weights in Keras's ``get_weights()`` order and layouts."""
    arrays: list[np.ndarray] = []
    for layer in backbone.weighted_layers():
        weight = layer.module.weight.detach().cpu().numpy()
        arrays.append(np.ascontiguousarray(_kernel_to_keras(layer, weight)))
        arrays.append(layer.module.bias.detach().cpu().numpy().copy())
    return arrays


__all__ = ["WeightTranslationError", "export_keras_weights", "keras_to_state_dict", "load_keras_weights"]
