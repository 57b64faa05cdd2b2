"""Reload a trained checkpoint and predict, as the tutorials do after training."""

from __future__ import annotations

from pathlib import Path

import torch

from lightning_port.data import load_raw_splits, resolve_data_root
from lightning_port.registry import get_recipe
from lightning_port.system import TutorialClassifier


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, or of another model than asked for."""


def load_system(checkpoint: str | Path, expected_model: str | None = None) -> TutorialClassifier:
    path = Path(checkpoint)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        stored = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # torch.load raises many types on a bad file
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({type(error).__name__}: {error})") from None
    model = stored.get("model_name") or stored.get("hyper_parameters", {}).get("model") if isinstance(stored, dict) else None
    if not model:
        raise CheckpointError(f"{path}: not a lightning-port checkpoint (it names no model)")
    if expected_model is not None and model != expected_model:
        raise CheckpointError(f"{path} is a {model} checkpoint, not {expected_model}; pass a {expected_model} checkpoint or --model {model}")
    system = TutorialClassifier(model, batch_size=stored.get("hyper_parameters", {}).get("batch_size"))
    system.load_state_dict(stored["state_dict"])
    return system.eval()


@torch.no_grad()
def predict_first(checkpoint, count: int = 5, data_dir=None) -> tuple[list[int], list[int]]:
    """(predicted classes, true labels) for the first ``count`` samples of the reported split."""
    system = load_system(checkpoint)
    recipe = get_recipe(system.model_name)
    splits = load_raw_splits(recipe, resolve_data_root(data_dir))
    features, labels = splits.evaluations[splits.test_split]
    features, labels = features[:count], labels[:count]
    inputs = torch.from_numpy(recipe.preprocessing.apply(features))
    if len(recipe.input_shape) == 3:
        inputs = inputs.permute(0, 3, 1, 2)  # channels-last arrays -> torch's channels-first
    predicted = system.predicted_classes(inputs)
    return predicted.tolist(), [int(label) for label in labels]
