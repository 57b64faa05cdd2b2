"""Layer-by-layer descriptions of the live Keras model and of the torch backbone, compared.

Both sides are read from the running objects (Keras ``layer.get_config()``/``output``/
``count_params()``; torch modules and forward-hook shapes), not from the recipe, so a drift
on either side shows up as a differing row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from lightning_port.models.sequential import KerasSequential

_ACTIVATION_MODULES = {nn.ReLU: "relu", nn.Softmax: "softmax", nn.Sigmoid: "sigmoid"}


@dataclass(frozen=True)
class LayerRow:
    kind: str
    output_shape: tuple[int, ...]  # channels-last, batch dimension dropped
    parameters: int
    units: int | None = None  # Dense units / Conv2D filters
    activation: str | None = None  # "linear" when none
    kernel_size: tuple[int, ...] | None = None  # Conv2D kernel / pooling window
    padding: str | None = None
    rate: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def keras_rows(model) -> list[LayerRow]:
    rows = []
    for layer in model.layers:
        config = layer.get_config()
        kind = type(layer).__name__
        kernel = config.get("kernel_size") or config.get("pool_size")
        rows.append(
            LayerRow(
                kind=kind,
                output_shape=tuple(int(size) for size in layer.output.shape[1:]),
                parameters=int(layer.count_params()),
                units=config.get("units") or config.get("filters"),
                activation=config.get("activation") if kind in ("Dense", "Conv2D", "Activation") else None,
                kernel_size=tuple(kernel) if kernel else None,
                padding=config.get("padding") if kind == "Conv2D" else None,
                rate=config.get("rate"),
            )
        )
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
        shapes.append(tuple(int(size) for size in outputs.shape[1:]))  # Keras's layout already
    backbone.train(was_training)
    rows = []
    last = len(backbone.layer_specs) - 1
    for index, spec in enumerate(backbone.layer_specs):
        modules = backbone.layer_modules(index)
        core = modules[0] if modules else None
        activation = next((name for kind, name in _ACTIVATION_MODULES.items() for m in modules if isinstance(m, kind)), None)
        if index == last:
            activation = backbone.output_activation  # applied by probabilities(), see KerasSequential
        kind = type(spec).__name__
        row = LayerRow(kind=kind, output_shape=shapes[index], parameters=sum(p.numel() for m in modules for p in m.parameters()))
        if isinstance(core, nn.Linear):
            row = LayerRow(**{**row.as_dict(), "units": core.out_features, "activation": activation or "linear"})
        elif isinstance(core, nn.Conv2d):
            row = LayerRow(
                **{**row.as_dict(), "units": core.out_channels, "activation": activation or "linear", "kernel_size": tuple(core.kernel_size), "padding": core.padding}
            )
        elif isinstance(core, nn.MaxPool2d):
            size = core.kernel_size
            row = LayerRow(**{**row.as_dict(), "kernel_size": (size, size) if isinstance(size, int) else tuple(size)})
        elif isinstance(core, nn.Dropout):
            row = LayerRow(**{**row.as_dict(), "rate": core.p})
        elif kind == "Activation":
            row = LayerRow(**{**row.as_dict(), "activation": activation})
        rows.append(row)
    return rows


def compare_rows(keras: list[LayerRow], lightning: list[LayerRow]) -> list[str]:
    """Human-readable differences; empty when the architectures match field for field."""
    problems = []
    if len(keras) != len(lightning):
        problems.append(f"{len(keras)} Keras layers vs {len(lightning)} Lightning layers")
    for index, (keras_row, lightning_row) in enumerate(zip(keras, lightning)):
        for field, keras_value in keras_row.as_dict().items():
            lightning_value = getattr(lightning_row, field)
            if keras_value != lightning_value:
                problems.append(f"layer {index} ({keras_row.kind}) {field}: Keras {keras_value!r} vs Lightning {lightning_value!r}")
    return problems
