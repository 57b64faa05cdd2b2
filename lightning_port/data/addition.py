"""The keras-io addition listing's data ("Sequence to sequence learning for performing number
addition", Smerity and others), made by the data layer: questions "a+b" with a and b of 1 to
``DIGITS`` digits, padded with spaces to ``MAXLEN`` characters and reversed (``REVERSE``), their
answers padded to ``DIGITS + 1``, each character one-hot over the listing's 12 ("0123456789+ ",
sorted), shuffled, the last 10% held out.

The listing draws from NumPy's global generator, unseeded; here the same draws, in the same
order and with the same calls (``choice``, ``randint``, ``shuffle``), come from a
``RandomState`` of a fixed seed, so both frameworks get the same bytes on every run. Nothing is
read from disk: the arrays are made once per process (about a second) and kept.
"""

from __future__ import annotations

import functools

import numpy as np

TRAINING_SIZE = 50_000
DIGITS = 3
REVERSE = True
MAXLEN = DIGITS + 1 + DIGITS  # "345+678"
CHARACTERS = sorted(set("0123456789+ "))  # the listing's CharacterTable: " +0123456789"
SEED = 1337  # the data layer's; the listing seeds nothing


def encode(text: str, rows: int) -> np.ndarray:
    """The listing's ``CharacterTable.encode``: one one-hot row per character."""
    encoded = np.zeros((rows, len(CHARACTERS)), dtype=bool)
    for index, character in enumerate(text):
        encoded[index, CHARACTERS.index(character)] = True
    return encoded


def decode(classes) -> str:
    """The listing's ``CharacterTable.decode(..., calc_argmax=False)``: characters of class indices."""
    return "".join(CHARACTERS[int(index)] for index in classes)


def decode_question(one_hot: np.ndarray) -> str:
    """A question as the listing prints it: decoded, and un-reversed."""
    text = decode(np.asarray(one_hot).argmax(axis=-1))
    return text[::-1] if REVERSE else text


@functools.cache
def addition_arrays(seed: int = SEED) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_val, y_val)) as the listing makes them, booleans: x of shape
    (n, MAXLEN, 12), y of shape (n, DIGITS + 1, 12)."""
    generator = np.random.RandomState(seed)
    questions, expected, seen = [], [], set()
    digits = list("0123456789")
    while len(questions) < TRAINING_SIZE:

        def number():
            return int("".join(generator.choice(digits) for _ in range(generator.randint(1, DIGITS + 1))))

        a, b = number(), number()
        key = tuple(sorted((a, b)))  # the listing skips repeats, x+y and y+x alike
        if key in seen:
            continue
        seen.add(key)
        question = f"{a}+{b}"
        query = question + " " * (MAXLEN - len(question))
        answer = str(a + b)
        answer += " " * (DIGITS + 1 - len(answer))
        if REVERSE:
            query = query[::-1]
        questions.append(query)
        expected.append(answer)
    # encode() row by row, at once: every question and answer is padded to its full width.
    table = {character: index for index, character in enumerate(CHARACTERS)}
    identity = np.eye(len(CHARACTERS), dtype=bool)
    x = identity[np.array([[table[character] for character in question] for question in questions])]
    y = identity[np.array([[table[character] for character in answer] for answer in expected])]
    indices = np.arange(len(y))
    generator.shuffle(indices)
    x, y = x[indices], y[indices]
    split_at = len(x) - len(x) // 10  # "Explicitly set apart 10% for validation data"
    for array in (x, y):
        array.setflags(write=False)  # shared by every caller in the process
    return (x[:split_at], y[:split_at]), (x[split_at:], y[split_at:])
