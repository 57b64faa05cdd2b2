"""Checkpoints written before the backbone ran graphs still load.

The earlier backbone was an ``nn.Sequential`` named ``body``: per layer, its module (every
kind but ``Activation``), then, for Dense, Conv1D, Conv2D and Activation with an activation, an
activation module, except after the last layer when the loss read its logits; so its keys were
``backbone.body.<position>.<tensor>``. Today's keys are ``backbone.<layer name>.<tensor>``;
the tensor names did not change. Those checkpoints can only hold stacks of the layer kinds that
existed then.
"""

from __future__ import annotations

import re

_LEGACY_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)body\.(?P<position>\d+)\.(?P<tensor>.+)$")
_WITH_ACTIVATION_MODULE = {"Dense", "Conv1D", "Conv2D", "Activation"}


def is_legacy(state_dict: dict) -> bool:
    return any(_LEGACY_KEY.match(key) for key in state_dict)


def legacy_positions(backbone) -> dict[int, str]:
    """Old body position -> today's module name, for a backbone whose graph is a stack."""
    graph = backbone.graph
    if not graph.is_stack:
        return {}
    positions: dict[int, str] = {}
    body = 0
    last = len(graph.layers) - 1
    for index, layer in enumerate(graph.layers):
        if layer.keras_class != "Activation":
            if index in backbone.module_names:
                positions[body] = backbone.module_names[index]
            body += 1
        activation = getattr(layer, "activation", None)
        if layer.keras_class in _WITH_ACTIVATION_MODULE and activation not in (None, "linear") and not (backbone.returns_logits[0] and index == last):
            body += 1
    return positions


def upgrade_state_dict(state_dict: dict, backbone, attribute: str = "backbone") -> dict:
    """``state_dict`` with the old ``<attribute>.body.N.`` keys renamed to today's; others as they are."""
    if not is_legacy(state_dict):
        return state_dict
    positions = legacy_positions(backbone)
    upgraded = {}
    for key, value in state_dict.items():
        match = _LEGACY_KEY.match(key)
        if match and match["prefix"] == (f"{attribute}." if attribute else "") and int(match["position"]) in positions:
            key = f"{match['prefix']}{positions[int(match['position'])]}.{match['tensor']}"
        upgraded[key] = value
    return upgraded
