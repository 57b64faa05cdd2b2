"""What defines a training run in either framework: the same fields, so runs compare."""

from __future__ import annotations

from dataclasses import dataclass

# Keras batches per Lightning training step (Keras: compile(steps_per_execution=...)).
# Lightning's per-step loop and hooks cost about 1 ms here; grouping amortises them. Measured
# on the 2-core CPU, mnist_mlp, interleaved with a hand-written loop (the floor): 8 -> 1.25x
# the floor's epoch time, 32 -> 1.14x. Updates are bit-identical for every value (tested);
# only the progress bar's update rate changes (every 32 Keras steps).
DEFAULT_STEPS_PER_EXECUTION = 32


@dataclass
class RunOptions:
    """Unset values (None) mean "the tutorial's": see the recipe."""

    model: str
    output_dir: str
    epochs: int | None = None
    batch_size: int | None = None
    seed: int | None = None
    data_dir: str | None = None
    max_train_samples: int | None = None
    holdout: float | None = None  # pima_mlp only: stratified held-out fraction
