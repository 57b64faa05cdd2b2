"""What a live Keras model is made of, for the corpus table: its class, inputs and outputs,
layers (nested models looked into), parameters, and the structures the port must handle
(nested models, shared layers, merges).

Sharing is read from the model's config, where a layer called more than once in a
Functional graph has more than one inbound node (a Sequential model calls each layer once)."""

from __future__ import annotations

MERGE_CLASSES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"}
MODEL_CLASSES = {"Sequential", "Functional", "Model"}


def _entries(config: dict):
    """Every layer entry of a model config, nested models' own entries included."""
    for entry in config.get("layers", []):
        yield entry
        if entry.get("class_name") in MODEL_CLASSES:
            yield from _entries(entry.get("config") or {})


def describe_model(model) -> dict:
    entries = list(_entries(model.get_config()))
    leaves = [entry["class_name"] for entry in entries if entry.get("class_name") not in MODEL_CLASSES | {"InputLayer"}]
    nested = sorted({entry["class_name"] for entry in entries if entry.get("class_name") in MODEL_CLASSES})
    structures = []
    if nested:
        structures.append("nested " + ", ".join(nested))
    if any(len(entry.get("inbound_nodes") or []) > 1 for entry in entries):
        structures.append("shared layers")
    merges = sorted(set(leaves) & MERGE_CLASSES)
    if merges:
        structures.append("merges (" + ", ".join(merges) + ")")
    return {
        "class": "Sequential" if type(model).__name__ == "Sequential" else type(model).__name__,
        "inputs": len(model.inputs),
        "outputs": len(model.outputs),
        "layers": len(leaves),
        "parameters": int(model.count_params()),
        "compiled": bool(getattr(model, "compiled", False)),
        "layer_classes": sorted(set(leaves)),
        "structures": structures,
    }
