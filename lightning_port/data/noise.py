"""A listing's input noise (``spec.InputNoise``), drawn once per split from a fixed seed, so
both frameworks train on the same bytes: the autoencoder listing's ``noise(array)``,
``np.clip(array + noise_factor * np.random.normal(0.0, 1.0, array.shape), 0.0, 1.0)``.

The listing draws from NumPy's global generator, unseeded; here each split draws from its own
stream of one seed (its name hashed into the seed sequence), so a split's noise does not
depend on how many samples another split has. Arithmetic as the listing's: the float32 array
plus float64 draws gives float64, clipped in float64.
"""

from __future__ import annotations

import hashlib

import numpy as np

from lightning_port.spec import InputNoise


def split_stream(seed: int, split: str) -> np.random.Generator:
    """The generator of one split's noise: ``seed`` and the split's name."""
    tag = int.from_bytes(hashlib.sha256(split.encode()).digest()[:4], "little")
    return np.random.default_rng(np.random.SeedSequence([seed, tag]))


def noisy_copy(clean: np.ndarray, noise: InputNoise, split: str) -> np.ndarray:
    """``clip(clean + factor * N(0, 1), low, high)`` with the split's own draws (float64)."""
    draws = split_stream(noise.seed, split).normal(loc=0.0, scale=1.0, size=clean.shape)
    return np.clip(clean + noise.factor * draws, noise.low, noise.high)
