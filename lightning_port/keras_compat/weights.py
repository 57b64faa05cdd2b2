"""Keras <-> Lightning weight translation, both ways, with a shape check on every tensor.

Keras lists each layer's weights in ``get_weights()`` order; the table says, per layer kind,
which torch tensor each one becomes and what changes on the way (and back, inverted):

| Keras layer          | Keras weight (shape)                 | torch tensor (shape)             | operation             |
|----------------------|--------------------------------------|----------------------------------|-----------------------|
| Dense                | kernel (in, out)                     | weight (out, in)                 | transpose             |
| Dense                | bias (out,)                          | bias (out,)                      | copied                |
| Conv2D               | kernel (kh, kw, in, out)             | weight (out, in, kh, kw)         | permute HWIO -> OIHW  |
| Conv1D               | kernel (k, in, out)                  | weight (out, in, k)              | permute WIO -> OIW    |
| Conv1D, Conv2D       | bias (out,)                          | bias (out,)                      | copied                |
| BatchNormalization   | gamma, beta, moving_mean, moving_variance (c,) | gamma, beta, moving_mean, moving_variance | copied |
| LayerNormalization   | gamma, beta (c,)                     | gamma, beta                      | copied                |
| Embedding            | embeddings (input_dim, output_dim)   | weight (input_dim, output_dim)   | copied                |

Weights a layer's config switches off (``use_bias=False``, ``center=False``, ``scale=False``)
are absent on both sides. Flatten needs no row: the backbone keeps Keras's channels-last
layout (``models.layers``), so a Dense after Flatten sees its inputs in Keras's order.
"""

from __future__ import annotations

import numpy as np
import torch

from lightning_port.models.sequential import KerasSequential, WeightedLayer
from lightning_port.spec import layers as spec


class WeightTranslationError(ValueError):
    """Keras weights that do not fit the model (wrong model, wrong count, wrong shape)."""


def _copy(array: np.ndarray) -> np.ndarray:
    return array


_TRANSPOSE = (lambda kernel: kernel.T, lambda weight: weight.T)
_HWIO_TO_OIHW = (lambda kernel: kernel.transpose(3, 2, 0, 1), lambda weight: weight.transpose(2, 3, 1, 0))
_WIO_TO_OIW = (lambda kernel: kernel.transpose(2, 1, 0), lambda weight: weight.transpose(2, 1, 0))
_COPY = (_copy, _copy)


def weight_table(layer: WeightedLayer) -> list[tuple[str, str, tuple]]:
    """(Keras weight name, torch tensor name, (to torch, to Keras)) in get_weights() order."""
    kind = layer.spec
    if isinstance(kind, spec.Dense):
        rows = [("kernel", "weight", _TRANSPOSE)]
    elif isinstance(kind, spec.Conv2D):
        rows = [("kernel", "weight", _HWIO_TO_OIHW)]
    elif isinstance(kind, spec.Conv1D):
        rows = [("kernel", "weight", _WIO_TO_OIW)]
    elif isinstance(kind, spec.Embedding):
        return [("embeddings", "weight", _COPY)]
    elif isinstance(kind, spec.BatchNormalization):
        rows = [("gamma", "gamma", _COPY)] if kind.scale else []
        rows += [("beta", "beta", _COPY)] if kind.center else []
        return rows + [("moving_mean", "moving_mean", _COPY), ("moving_variance", "moving_variance", _COPY)]
    elif isinstance(kind, spec.LayerNormalization):
        return ([("gamma", "gamma", _COPY)] if kind.scale else []) + ([("beta", "beta", _COPY)] if kind.center else [])
    else:
        raise WeightTranslationError(f"no weight table for {type(kind).__name__}")
    return rows + ([("bias", "bias", _COPY)] if kind.use_bias else [])


def _floating(array) -> np.ndarray:
    """float64 arrays stay float64 (precision checks); anything else becomes float32."""
    array = np.asarray(array)
    return array if array.dtype == np.float64 else array.astype(np.float32)


def _tensor(module: torch.nn.Module, name: str) -> torch.Tensor:
    return getattr(module, name)


def _trainable(layer: WeightedLayer, keras_name: str) -> bool:
    """Whether Keras lists this weight among trainable_weights (moving statistics and a frozen
    BatchNormalization's weights are not: they get no gradients)."""
    if isinstance(layer.spec, spec.BatchNormalization):
        return keras_name in ("gamma", "beta") and layer.spec.trainable
    return True


def keras_to_state_dict(backbone: KerasSequential, keras_weights: list[np.ndarray], trainable_only: bool = False) -> dict[str, torch.Tensor]:
    """A state dict for ``backbone`` (keys as in ``backbone.state_dict()``) from Keras's
    get_weights(); with ``trainable_only``, from arrays in trainable_weights order (e.g. gradients)."""
    plan = [(layer, row) for layer in backbone.weighted_layers() for row in weight_table(layer) if not trainable_only or _trainable(layer, row[0])]
    if len(keras_weights) != len(plan):
        counts = ", ".join(f"{type(layer.spec).__name__} {len(weight_table(layer))}" for layer in backbone.weighted_layers())
        raise WeightTranslationError(f"expected {len(plan)} Keras arrays ({counts}), got {len(keras_weights)}")
    names = {id(module): name for name, module in backbone.named_modules()}
    state: dict[str, torch.Tensor] = {}
    for position, (layer, (keras_name, torch_name, (to_torch, to_keras))) in enumerate(plan):
        array = _floating(keras_weights[position])
        target = _tensor(layer.module, torch_name)
        key = f"{names[id(layer.module)]}.{torch_name}"
        expected = to_keras(target.detach().cpu().numpy()).shape
        if tuple(array.shape) != tuple(expected):
            raise WeightTranslationError(
                f"Keras {type(layer.spec).__name__} layer {layer.index} {keras_name} -> {key}: shape {tuple(array.shape)} does not fit {tuple(expected)}"
            )
        state[key] = torch.from_numpy(np.ascontiguousarray(to_torch(array)))
    return state


def load_keras_weights(backbone: KerasSequential, keras_weights: list[np.ndarray]) -> None:
    """Copy Keras weights (``model.get_weights()`` order) into the torch backbone in place."""
    backbone.load_state_dict(keras_to_state_dict(backbone, keras_weights), strict=True)


def export_keras_weights(backbone: KerasSequential) -> list[np.ndarray]:
    """The backbone's weights in Keras's ``get_weights()`` order and layouts."""
    arrays: list[np.ndarray] = []
    for layer in backbone.weighted_layers():
        for _, torch_name, (_, to_keras) in weight_table(layer):
            arrays.append(np.ascontiguousarray(to_keras(_tensor(layer.module, torch_name).detach().cpu().numpy())))
    return arrays


__all__ = ["WeightTranslationError", "export_keras_weights", "keras_to_state_dict", "load_keras_weights", "weight_table"]
