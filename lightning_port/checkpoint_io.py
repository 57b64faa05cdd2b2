"""Lightning checkpoint IO that never leaves a half-written checkpoint behind."""

from __future__ import annotations

import io

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from lightning_port.atomic import atomic_write_bytes


class AtomicCheckpointIO(TorchCheckpointIO):
    """Serialises to memory, then writes a temporary file and renames it over the target.

    A run killed while saving keeps the previous epoch's checkpoint intact.
    """

    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        atomic_write_bytes(path, buffer.getvalue())
