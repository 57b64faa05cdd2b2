"""A seeded token task that needs memory, for the text model shaped like keras-io's
"Bidirectional LSTM on IMDB" (no data set is downloaded here): each sequence is a review-like
run of tokens 1..VOCABULARY-1 of random length, zero-padded in front as Keras's
``pad_sequences`` pads (0 is the padding token an ``Embedding(mask_zero=True)`` masks), and its
label says whether the sequence's first token comes back later in it. Half the sequences
repeat it at a random later position, half never do; no bag of words or local pattern tells
them apart, only remembering the first token along the sequence.
"""

from __future__ import annotations

import functools

import numpy as np

VOCABULARY = 40
LENGTH = 24
SHORTEST = 8
TRAIN_SAMPLES = 4_096
TEST_SAMPLES = 1_024
SEED = 2024


def _sequences(generator: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.zeros((count, LENGTH), dtype=np.int32)
    labels = (np.arange(count) % 2).astype(np.int32)
    generator.shuffle(labels)
    for row, label in enumerate(labels):
        length = int(generator.integers(SHORTEST, LENGTH + 1))
        first = int(generator.integers(1, VOCABULARY))
        others = [token for token in range(1, VOCABULARY) if token != first]
        body = generator.choice(others, size=length - 1)
        if label:
            body[int(generator.integers(1, length - 1))] = first  # not right after it: memory, not a bigram
        tokens[row, LENGTH - length] = first
        tokens[row, LENGTH - length + 1 :] = body
    return tokens, labels


@functools.cache
def token_memory_arrays(seed: int = SEED) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)): int32 tokens (n, LENGTH), 0/1 labels (n,)."""
    generator = np.random.default_rng(seed)
    train, test = _sequences(generator, TRAIN_SAMPLES), _sequences(generator, TEST_SAMPLES)
    for array in (*train, *test):
        array.setflags(write=False)
    return train, test
