"""Layer-by-layer descriptions of the live Keras model and of the torch backbone, compared.

Both sides are read from the running objects: Keras's layer classes, configs (read into
specs the way a model file is read, ``keras_compat.layer_configs``), output shapes and
``count_params()``; the torch modules' forward-pass shapes and weight counts next to the
recipe's specs. A drift on either side shows up as a differing row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch

from lightning_port.keras_compat.layer_configs import UnsupportedLayer, layer_from_keras
from lightning_port.models.sequential import KerasSequential


@dataclass(frozen=True)
class LayerRow:
    kind: str
    output_shape: tuple[int, ...]  # Keras's layout (channels last), batch dimension dropped
    parameters: int  # every weight, trainable or not (Keras's count_params)
    config: dict = field(default_factory=dict)  # the spec's fields

    def as_dict(self) -> dict:
        return asdict(self)


def _plain(value):
    """Tuples as lists, so rows compare equal after a JSON round trip too."""
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _config(layer) -> dict:
    return {name: _plain(value) for name, value in layer.config().items()}


def keras_rows(model) -> list[LayerRow]:
    rows = []
    for index, layer in enumerate(model.layers):
        kind = type(layer).__name__
        try:
            config = _config(layer_from_keras(kind, layer.get_config(), index))
        except UnsupportedLayer as error:
            config = {"unsupported": str(error)}
        rows.append(LayerRow(kind, tuple(int(size) for size in layer.output.shape[1:]), int(layer.count_params()), config))
    return rows


@torch.no_grad()
def lightning_rows(backbone: KerasSequential) -> list[LayerRow]:
    shapes = []
    outputs = torch.zeros(1, *backbone.input_shape)
    was_training = backbone.training
    backbone.eval()
    for index in range(len(backbone.layer_specs)):
        for module in backbone.layer_modules(index):
            outputs = module(outputs)
        shapes.append(tuple(int(size) for size in outputs.shape[1:]))
    backbone.train(was_training)
    rows = []
    for index, layer in enumerate(backbone.layer_specs):
        modules = backbone.layer_modules(index)
        weights = sum(p.numel() for m in modules for p in m.parameters()) + sum(b.numel() for m in modules for b in m.buffers())
        rows.append(LayerRow(layer.keras_class, shapes[index], weights, _config(layer)))
    return rows


def compare_rows(keras: list[LayerRow], lightning: list[LayerRow]) -> list[str]:
    """Human-readable differences; empty when the architectures match field for field."""
    problems = []
    if len(keras) != len(lightning):
        problems.append(f"{len(keras)} Keras layers vs {len(lightning)} Lightning layers")
    for index, (keras_row, lightning_row) in enumerate(zip(keras, lightning)):
        for name in ("kind", "output_shape", "parameters"):
            if getattr(keras_row, name) != getattr(lightning_row, name):
                problems.append(f"layer {index} ({keras_row.kind}) {name}: Keras {getattr(keras_row, name)!r} vs Lightning {getattr(lightning_row, name)!r}")
        for name in sorted(set(keras_row.config) | set(lightning_row.config)):
            keras_value, lightning_value = keras_row.config.get(name), lightning_row.config.get(name)
            if keras_value != lightning_value:
                problems.append(f"layer {index} ({keras_row.kind}) {name}: Keras {keras_value!r} vs Lightning {lightning_value!r}")
    return problems
