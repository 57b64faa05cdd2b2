"""Every random stream of a run, seeded from (run seed, stream, epoch, rank) in one place.

Each stream gets its own seed from ``numpy.random.SeedSequence`` over those four numbers:
distinct tuples give independent, non-overlapping streams, so the shuffle of one epoch can
never replay the dropout masks of another (as ``seed * k + epoch`` and ``seed * k + epoch + 1``
once did), and under DDP every rank draws its own dropout masks and augmentation. A stream's
seed depends only on these numbers, so a run resumed at epoch k draws exactly what the
uninterrupted run would have.
"""

from __future__ import annotations

import enum

import numpy as np


class Stream(enum.IntEnum):
    # Which samples form each batch: the same on every rank (each takes its own shard of one
    # permutation), so it is seeded without the rank.
    SHUFFLE = 0
    # Dropout masks, drawn from torch's global generator during the forward pass.
    DROPOUT = 1
    # Augmentation parameters, drawn from the data module's own generator, so that their
    # draws never interleave with dropout's (whatever the steps per execution).
    AUGMENTATION = 2
    # The draws of random augmentation layers inside the model (RandomFlip, RandomRotation...),
    # from a generator the Trainer hands the model each epoch: apart from the data module's
    # ImageDataGenerator stream, so a recipe with both draws each the same way whatever the
    # steps per execution.
    LAYER_AUGMENTATION = 3


def stream_seed(seed: int, stream: Stream, epoch: int, rank: int = 0) -> int:
    """A 63-bit seed for ``stream`` in ``epoch`` on ``rank`` (a valid torch.manual_seed)."""
    if stream is Stream.SHUFFLE and rank:
        raise ValueError("the shuffle is shared by all ranks: seed it with rank 0")
    state = np.random.SeedSequence([int(seed), int(stream), int(epoch), int(rank)]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))
