"""Lightning checkpoint IO: written atomically, read as data (``weights_only=True``).

Writing serialises to memory, then writes a temporary file and renames it over the target,
so a run killed while saving keeps the previous epoch's checkpoint intact. Reading refuses
anything but tensors and plain data, so resuming from a checkpoint that came from
elsewhere cannot run code (see ``support.checkpoint_files``).
"""

from __future__ import annotations

import io

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from lightning_port.support.atomic import atomic_write_bytes
from lightning_port.support.checkpoint_files import load_checkpoint


class AtomicCheckpointIO(TorchCheckpointIO):
    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        atomic_write_bytes(path, buffer.getvalue())

    def load_checkpoint(self, path, map_location=None, weights_only=None) -> dict:
        # Always as data, whatever the caller asked: a resumed checkpoint may come from elsewhere.
        return load_checkpoint(path)
