"""Keras weights <-> the backbone's state dict: every layer kind's weight table
(``LayerKind.weights``), walked in Keras's order.

Keras's ``model.get_weights()`` lists each layer's weights in ``model.layers`` order (a nested
model's layers in its own order, a shared layer once), each layer's in the order its
``weights`` property gives; ``trainable_weights`` (the order of gradients) keeps the trainable
ones. The backbone's graph keeps Keras's layer order (``layers.graph``), so one walk gives
both lists. How each weight's layout changes is the kind's ``WeightRow.translation``, one of
the named translations in ``layers.translation``; docs/weights.md is the table of all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lightning_port.layers.base import LayerKind, WeightRow
from lightning_port.models.backbone import KerasModel


class WeightTranslationError(ValueError):
    """Keras weights that do not fit the model (wrong model, wrong count, wrong shape)."""


@dataclass(frozen=True)
class WeightEntry:
    """One weight of the model: its Keras variable path, its state-dict key, and its row."""

    keras_path: str
    torch_key: str
    row: WeightRow
    layer: LayerKind


def weight_plan(backbone: KerasModel, keras_prefix: str = "", torch_prefix: str = "") -> list[WeightEntry]:
    """Every weight of the backbone, in Keras's get_weights() order."""
    entries: list[WeightEntry] = []
    for position, layer in enumerate(backbone.graph.layers):
        module = backbone.layer_module(position)
        if module is None:
            continue
        module_prefix = f"{torch_prefix}{backbone.module_names[position]}."
        if isinstance(module, KerasModel):
            entries += weight_plan(module, f"{keras_prefix}{layer.name}/", module_prefix)
            continue
        for row in layer.weights():
            entries.append(WeightEntry(f"{keras_prefix}{layer.name}/{row.keras}", f"{module_prefix}{row.torch}", row, layer))
    return entries


def _floating(array) -> np.ndarray:
    """float64 arrays stay float64 (precision checks); anything else becomes float32."""
    array = np.asarray(array)
    return array if array.dtype == np.float64 else array.astype(np.float32)


def keras_to_state_dict(backbone: KerasModel, keras_weights: list[np.ndarray], trainable_only: bool = False) -> dict[str, torch.Tensor]:
    """State-dict entries (keys as in ``backbone.state_dict()``) from Keras's get_weights();
    with ``trainable_only``, from arrays in trainable_weights order (e.g. gradients)."""
    plan = [entry for entry in weight_plan(backbone) if not trainable_only or entry.row.trainable]
    if len(keras_weights) != len(plan):
        listed = ", ".join(entry.keras_path for entry in plan[:12]) + (", ..." if len(plan) > 12 else "")
        raise WeightTranslationError(f"expected {len(plan)} Keras arrays ({listed}), got {len(keras_weights)}")
    state = backbone.state_dict()
    translated: dict[str, torch.Tensor] = {}
    for entry, array in zip(plan, keras_weights):
        array = _floating(array)
        expected = entry.row.translation.to_keras(state[entry.torch_key].detach().cpu().numpy()).shape
        if tuple(array.shape) != tuple(expected):
            raise WeightTranslationError(
                f"node '{entry.keras_path.rsplit('/', 1)[0]}' ({entry.layer.keras_class}) {entry.row.keras} -> {entry.torch_key}: "
                f"shape {tuple(array.shape)} does not fit {tuple(expected)}"
            )
        translated[entry.torch_key] = torch.from_numpy(np.ascontiguousarray(entry.row.translation.to_torch(array)))
    return translated


def load_keras_weights(backbone: KerasModel, keras_weights: list[np.ndarray]) -> None:
    """Copy Keras weights (``model.get_weights()`` order) into the backbone in place."""
    backbone.load_state_dict(keras_to_state_dict(backbone, keras_weights), strict=True)


def export_keras_weights(backbone: KerasModel) -> list[np.ndarray]:
    """The backbone's weights in Keras's ``get_weights()`` order and layouts."""
    state = backbone.state_dict()
    return [np.ascontiguousarray(entry.row.translation.to_keras(state[entry.torch_key].detach().cpu().numpy())) for entry in weight_plan(backbone)]


__all__ = ["WeightEntry", "WeightTranslationError", "export_keras_weights", "keras_to_state_dict", "load_keras_weights", "weight_plan"]
