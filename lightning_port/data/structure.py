"""Arrays of a model with several inputs or outputs: a tuple of arrays (in the graph's input or
output order) where a one-input model has an array. These helpers treat both alike."""

from __future__ import annotations

import numpy as np


def length(value) -> int:
    return len(value[0]) if isinstance(value, tuple) else len(value)


def rows(value, selector):
    """The rows ``selector`` (a slice or an index array) of an array or of each array of a tuple."""
    return tuple(item[selector] for item in value) if isinstance(value, tuple) else value[selector]


def each(value, function):
    """``function`` applied to an array, or to each array of a tuple."""
    return tuple(function(item) for item in value) if isinstance(value, tuple) else function(value)


def flat(value) -> list[np.ndarray]:
    return list(value) if isinstance(value, tuple) else [value]
