"""Float32 parity judged against the float64 truth.

Why this criterion: in float64 both frameworks compute the same result to about 1e-14, so
that result is the truth both float32 computations approximate. A float32 port is faithful
when its error against the truth is of the size Keras's own float32 error is: at most twice
Keras's, plus a floor of a few float32 ulps of the quantity's scale for results so close to
the truth that rounding alone decides. A fixed tolerance instead measures the machine's
kernels (summation order, oneDNN or not, thread count), which move both frameworks' errors
together; the ratio does not move with them, so the verdict is the same on any machine.

Training trajectories are judged on their typical error, not the error at one step. Over many
steps float32 rounding is amplified chaotically (a ReLU or max-pool branch flips, Adam
normalises a gradient that rounding moved near zero): each framework's distance from the
truth grows by orders of magnitude and jumps from step to step, so its value at any one step,
or the maximum over steps, is a sample rather than a property of the implementation (one
100-step CIFAR run measured a final-step ratio of 3.9 where the per-step ratios scatter on
both sides of 1). The root mean square over the steps measures the typical distance and is
stable; ``compare_trajectory`` applies the same 2x criterion to it.

Each check computes four results from the same starting weights and the same input bytes:
Keras and the port, each in float32 and in float64. The float64 pair must agree to
``FLOAT64_AGREEMENT`` (a check of its own: the two compute the same formulas); the float32
pair is judged by ``TruthComparison.passed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOAT32_EPSILON = float(np.finfo(np.float32).eps)  # 2**-23: one ulp at 1.0
# "A few float32 ulps": one rounding of the result plus a few of its inputs.
FLOOR_ULPS = 4
# The port's float32 error may be at most this multiple of Keras's own.
KERAS_ERROR_FACTOR = 2.0
# float64 results of the two frameworks must agree to this, relative to the quantity's scale.
FLOAT64_AGREEMENT = 1e-10

Arrays = dict[str, np.ndarray]


def _scale(array: np.ndarray) -> float:
    return float(np.max(np.abs(array))) if array.size else 0.0


def relative_error(values: Arrays, truth: Arrays, per_tensor: bool = True) -> float:
    """max |value - truth| relative to the truth's scale: each tensor's own (the worst tensor
    counts), or with ``per_tensor=False`` the largest value of all tensors together."""
    errors, scales = [], []
    for name, reference in truth.items():
        reference = np.asarray(reference, dtype=np.float64)
        errors.append(float(np.max(np.abs(np.asarray(values[name], dtype=np.float64) - reference))) if reference.size else 0.0)
        scales.append(_scale(reference))
    if not per_tensor:
        scale = max(scales, default=0.0)
        error = max(errors, default=0.0)
        return error / scale if scale else error
    return max((error / scale if scale else error for error, scale in zip(errors, scales)), default=0.0)


def updates(after: Arrays, before: Arrays) -> Arrays:
    """What a step changed, w_after - w_before, in float64 (exact for float32 inputs)."""
    return {name: np.asarray(after[name], dtype=np.float64) - np.asarray(before[name], dtype=np.float64) for name in before}


def _rms(array) -> float:
    array = np.asarray(array, dtype=np.float64)
    return float(np.sqrt(np.mean(np.square(array)))) if array.size else 0.0


def update_error(values: Arrays, truth: Arrays) -> float:
    """Worst over tensors of the root-mean-square error relative to the root mean square of the
    tensor's own update. (Root mean squares, not maxima: an optimizer like Adam normalises each
    component by its gradient's size, so a component whose true gradient is below float32's
    resolution gets an arbitrary full-size update, in either framework; the maximum would be
    decided by which framework happens to meet the worst such component.)"""
    worst = 0.0
    for name, update in truth.items():
        scale = _rms(update)
        error = _rms(np.asarray(values[name], dtype=np.float64) - update)
        worst = max(worst, error / scale if scale else error)
    return worst


def update_floor(before: Arrays, truth_updates: Arrays) -> float:
    """The floor for updates, relative to each update's own size: float32 weights resolve an
    update only to a few ulps of the *weights'* scale, for either framework."""
    worst = 0.0
    for name, update in truth_updates.items():
        scale = _rms(update)
        if scale:
            worst = max(worst, FLOOR_ULPS * FLOAT32_EPSILON * _rms(before[name]) / scale)
    return worst


FLOAT64_EPSILON = float(np.finfo(np.float64).eps)


def update_difference(values: Arrays, truth: Arrays, before: Arrays) -> float:
    """The float64 frameworks' update difference, per tensor relative to its update (the worst
    tensor counts), where float64 can resolve it: an update is w_after - w_before, so a float64
    weight rounds it to its own ulps, and a difference within FLOOR_ULPS of them is rounding of
    the weights, not of the formulas. Such a difference counts as FLOAT64_AGREEMENT at most
    (measured: an Embedding's 1e-7 updates of 5e-2 weights under Adagrad differed by half a
    weight ulp, 2.7e-10 of the update)."""
    worst = 0.0
    for name, update in truth.items():
        difference = float(np.max(np.abs(np.asarray(values[name], dtype=np.float64) - update))) if update.size else 0.0
        scale = _scale(update)
        relative = difference / scale if scale else difference
        if difference <= FLOOR_ULPS * FLOAT64_EPSILON * _scale(np.asarray(before[name], dtype=np.float64)):
            relative = min(relative, FLOAT64_AGREEMENT)
        worst = max(worst, relative)
    return worst


@dataclass(frozen=True)
class TruthComparison:
    """One float32 quantity of both frameworks against the float64 truth."""

    port_error: float
    keras_error: float
    float64_difference: float  # |port float64 - Keras float64|, relative
    floor: float = FLOOR_ULPS * FLOAT32_EPSILON

    @property
    def bound(self) -> float:
        return KERAS_ERROR_FACTOR * self.keras_error + self.floor

    @property
    def ratio(self) -> float:
        """Port error over Keras error (inf when Keras is exact and the port is not)."""
        if self.keras_error:
            return self.port_error / self.keras_error
        return 0.0 if not self.port_error else float("inf")

    @property
    def passed(self) -> bool:
        return self.port_error <= self.bound

    @property
    def float64_agrees(self) -> bool:
        return self.float64_difference <= FLOAT64_AGREEMENT


def compare(port32: Arrays, keras32: Arrays, port64: Arrays, keras64: Arrays) -> TruthComparison:
    """Direct quantities (losses, gradients, outputs), relative to the quantity's scale: the
    largest value over all its tensors. (A gradient that is small because its batch's terms
    cancel carries the rounding of those larger terms; measured against its own small size it
    would measure the cancellation, in either framework, not the port.)"""
    return TruthComparison(
        port_error=relative_error(port32, keras64, per_tensor=False),
        keras_error=relative_error(keras32, keras64, per_tensor=False),
        float64_difference=relative_error(port64, keras64, per_tensor=False),
    )


def compare_updates(before: Arrays, port32: Arrays, keras32: Arrays, port64: Arrays, keras64: Arrays) -> TruthComparison:
    """Weights after optimizer steps, compared on the update (w_after - w_before) relative to
    each tensor's own update size; ``before`` is the shared float32 starting point."""
    truth = updates(keras64, before)
    return TruthComparison(
        port_error=update_error(updates(port32, before), truth),
        keras_error=update_error(updates(keras32, before), truth),
        # Whether the two compute the same formulas: every component, the largest difference.
        float64_difference=update_difference(updates(port64, before), truth, before),
        floor=max(FLOOR_ULPS * FLOAT32_EPSILON, update_floor(before, truth)),
    )


def _root_mean_square(values: list[float]) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if values else 0.0


def compare_trajectory(port32: list[Arrays], keras32: list[Arrays], port64: list[Arrays], keras64: list[Arrays], before: list[Arrays] | None = None) -> TruthComparison:
    """A trajectory: one result per step (per-step losses, or weights at checkpoints). Each
    step's error is measured as ``compare`` (or, with ``before``, ``compare_updates``) would;
    the errors compared are their root mean square over the steps; the float64 difference is
    the worst step's."""
    steps = []
    for index in range(len(keras64)):
        if before is None:
            steps.append(compare(port32[index], keras32[index], port64[index], keras64[index]))
        else:
            steps.append(compare_updates(before[index], port32[index], keras32[index], port64[index], keras64[index]))
    return TruthComparison(
        port_error=_root_mean_square([step.port_error for step in steps]),
        keras_error=_root_mean_square([step.keras_error for step in steps]),
        float64_difference=max(step.float64_difference for step in steps),
        floor=max(step.floor for step in steps),
    )


def _largest_difference(values: Arrays, reference: Arrays) -> float:
    return max((float(np.max(np.abs(np.asarray(values[name], dtype=np.float64) - np.asarray(array, dtype=np.float64)))) if np.size(array) else 0.0 for name, array in reference.items()), default=0.0)


def compare_exact(port32: Arrays, keras32: Arrays, port64: Arrays, keras64: Arrays) -> TruthComparison:
    """Integer outputs (indices, lookups, encodings): no rounding to judge, so each framework's
    result must equal the other's exactly, in float32 and in float64 models. ``port_error``:
    the largest difference from Keras's float32 result; the bound is 0."""
    return TruthComparison(
        port_error=_largest_difference(port32, keras32),
        keras_error=0.0,
        float64_difference=_largest_difference(port64, keras64),
        floor=0.0,
    )
