"""Reading checkpoint files as data: ``torch.load(weights_only=True)`` everywhere.

A checkpoint is a pickle, and an ordinary pickle can run code when it is loaded. Every
place the project reads a checkpoint goes through ``load_checkpoint``, which admits only
tensors and plain containers and numbers; a file carrying anything else is refused with one
line, never executed.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch


class CheckpointError(ValueError):
    """A checkpoint that is missing, unreadable, unsafe, or of another model than asked for."""


def load_checkpoint(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many types on a bad or unsafe file
        message = str(error)
        # The restricted unpickler names a class or function it would have had to import.
        unsafe = next((line.strip() for line in message.splitlines() if "GLOBAL" in line or "Unsupported global" in line), None)
        if unsafe:
            raise CheckpointError(
                f"{path}: refused: the file would import Python code to load ({unsafe}); a checkpoint is read as "
                "tensors and plain data only (torch.load weights_only=True). Load it only if you trust it, and re-save its weights"
            ) from None
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({type(error).__name__}: {_reason(message)})") from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path}: not a lightning-port checkpoint (a {type(checkpoint).__name__}, not a dict)")
    return checkpoint


def _reason(message: str) -> str:
    """The informative line of torch.load's message (it leads with generic advice)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    specific = [line for line in lines if not line.startswith(("Weights only load failed", "Please file an issue", "Check the documentation"))]
    return (specific or lines or ["unknown error"])[0]


def stored_model_name(checkpoint: dict, path: str | os.PathLike) -> str:
    """The model a checkpoint was trained as."""
    name = checkpoint.get("model_name") or checkpoint.get("hyper_parameters", {}).get("model")
    if not name:
        raise CheckpointError(f"{path}: not a lightning-port checkpoint (it names no model)")
    return name


# Lightning saves a LightningDataModule's state_dict under the class's name; the data module
# (data/datamodule.py) keeps the digest of the data it served there, for --resume to check.
DATA_MODULE_STATE = "TutorialDataModule"
DATA_DIGEST_KEY = "data_sha256"


def stored_data_digest(checkpoint: dict) -> str | None:
    """The SHA-256 of the data a checkpoint was trained on; None if it predates the digest."""
    return checkpoint.get(DATA_MODULE_STATE, {}).get(DATA_DIGEST_KEY)
