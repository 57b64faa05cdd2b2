"""Batches sliced from tensors that already sit in memory on the model's device.

A ``DataLoader(TensorDataset)`` collates every batch from per-sample indexing in Python;
with 60,000 tiny samples that costs more than the model's arithmetic. Here each epoch
permutes the whole tensor once (one gather) and then yields contiguous slices (views).

Shuffling follows Keras ``fit(shuffle=True)``: a fresh permutation of the whole training
set every epoch, the last partial batch kept. The permutation is a function of
(seed, epoch) (``support.seeds``), so a resumed run sees the same order as an uninterrupted one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch

from lightning_port.support.seeds import Stream, stream_seed

def _flatten(structure) -> tuple[list[torch.Tensor], list[int]]:
    """A batch's tensors in order, and per top-level item how many (0: a single tensor)."""
    tensors, counts = [], []
    for item in structure:
        if isinstance(item, (tuple, list)):
            tensors += list(item)
            counts.append(len(item))
        else:
            tensors.append(item)
            counts.append(0)
    return tensors, counts


def _rebuild(tensors: list[torch.Tensor], counts: list[int]) -> tuple:
    items, position = [], 0
    for count in counts:
        if count:
            items.append(tuple(tensors[position : position + count]))
            position += count
        else:
            items.append(tensors[position])
            position += 1
    return tuple(items)


class InMemoryBatches:
    """Batches of ``tensors`` (e.g. (inputs, targets); an item may be a tuple of tensors, for a
    model with several inputs or outputs), or of ``tensors(epoch)`` when the data change with
    the epoch (a listing that fits in phases on different inputs)."""

    def __init__(
        self,
        tensors: tuple | Callable[[int], tuple],
        batch_size: int,
        shuffle: bool,
        seed: int = 0,
        epoch: Callable[[], int] | None = None,
        rank: int = 0,
        world_size: int = 1,
        pad_shards: bool = False,
    ):
        """``rank``/``world_size`` shard the data for DDP. Training shards are padded by
        wrapping around (as ``DistributedSampler`` does) so every rank runs the same number
        of steps; evaluation shards are not, so no sample is counted twice."""
        self._source = tensors if callable(tensors) else (lambda epoch: tensors)
        first, _ = _flatten(self._source(epoch() if epoch is not None else 0))
        sizes = {len(tensor) for tensor in first}
        if len(sizes) != 1:
            raise ValueError(f"tensors differ in length: {sorted(sizes)}")
        if batch_size < 1:
            raise ValueError(f"batch size must be positive, got {batch_size}")
        self._length = len(first[0])
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self._epoch = epoch
        self._iterations = 0
        self.rank = rank
        self.world_size = world_size
        self.pad_shards = pad_shards

    @property
    def dataset_size(self) -> int:
        return self._length

    @property
    def shard_size(self) -> int:
        if self.pad_shards:
            return math.ceil(self.dataset_size / self.world_size)
        return len(range(self.rank, self.dataset_size, self.world_size))

    def __len__(self) -> int:
        return math.ceil(self.shard_size / self.batch_size)

    def _indices(self, epoch: int) -> torch.Tensor | None:
        """Indices of this rank's samples in order, or None for "all, in stored order"."""
        if not self.shuffle and self.world_size == 1:
            return None
        if self.shuffle:
            generator = torch.Generator().manual_seed(stream_seed(self.seed, Stream.SHUFFLE, epoch))
            order = torch.randperm(self.dataset_size, generator=generator)
        else:
            order = torch.arange(self.dataset_size)
        if self.world_size > 1:
            if self.pad_shards:
                padding = self.shard_size * self.world_size - self.dataset_size
                order = torch.cat([order, order[:padding]])
            order = order[self.rank :: self.world_size]
        return order

    def __iter__(self) -> Iterator[tuple]:
        epoch = self._epoch() if self._epoch is not None else self._iterations
        self._iterations += 1
        tensors, counts = _flatten(self._source(epoch))
        indices = self._indices(epoch)
        if indices is not None:
            indices = indices.to(tensors[0].device)
            tensors = [tensor[indices] for tensor in tensors]
        total = len(tensors[0])
        for start in range(0, total, self.batch_size):
            yield _rebuild([tensor[start : start + self.batch_size] for tensor in tensors], counts)
