"""Outcomes of seeded runs compared with statistics, not a bare gap.

Two frameworks' test accuracies over several seeds each are two samples with possibly
different spreads; the 90% Welch interval of the difference of their means says how far
apart the frameworks' expected accuracies can plausibly be. A comparison passes when the
whole interval lies within the recipe's margin: a small gap measured with too few seeds
(a wide interval) fails, and the remedy is more seeds, never a wider margin.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

CONFIDENCE = 0.90


@dataclass(frozen=True)
class WelchInterval:
    difference: float  # mean(first) - mean(second)
    low: float
    high: float
    degrees_of_freedom: float
    confidence: float = CONFIDENCE

    def within(self, margin: float) -> bool:
        return -margin <= self.low and self.high <= margin

    @property
    def farthest(self) -> float:
        """The interval's end farthest from zero: what the margin is compared with."""
        return max(abs(self.low), abs(self.high))


def welch_interval(first: list[float], second: list[float], confidence: float = CONFIDENCE) -> WelchInterval:
    """The two-sided ``confidence`` interval of mean(first) - mean(second), Welch's t."""
    from scipy.stats import t

    if len(first) < 2 or len(second) < 2:
        raise ValueError(f"a Welch interval needs at least 2 values per sample, got {len(first)} and {len(second)}")
    difference = statistics.fmean(first) - statistics.fmean(second)
    first_term = statistics.variance(first) / len(first)
    second_term = statistics.variance(second) / len(second)
    standard_error = math.sqrt(first_term + second_term)
    if standard_error == 0:
        return WelchInterval(difference, difference, difference, math.inf, confidence)
    degrees = (first_term + second_term) ** 2 / (
        first_term**2 / (len(first) - 1) + second_term**2 / (len(second) - 1)
    )
    half_width = float(t.ppf(0.5 + confidence / 2, degrees)) * standard_error
    return WelchInterval(difference, difference - half_width, difference + half_width, degrees, confidence)
