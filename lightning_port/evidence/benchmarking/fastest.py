"""Fastest against fastest: each framework's best configuration, found by running every one
it offers, compared per model.

A user who wants speed compares fastest with fastest. The benchmark already runs every
framework in every mode (modes.py), interleaved; here, within each round, each framework's
fastest mode is taken (Keras: ``steps_per_execution`` 1 or 32, ``jit_compile`` off or on; the
port: its four modes; the floor: its eager and compiled loops), and the paired ratios are
those round's fastest over each other, then the median over rounds. The winner named is the
mode with the lowest median over rounds.

Targets (the speed issue's, ``FASTEST_TARGETS``): the port's fastest at most 1.15x the
floor's fastest on the MNIST tutorials, and Keras on TensorFlow's fastest at least 1.3x slower
than the port's fastest there and on CIFAR-10. A missed target stays in the table, with what
bounds it (``bound``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from lightning_port.evidence.benchmarking.modes import FRAMEWORKS
from lightning_port.support.results import steady_epochs


@dataclass(frozen=True)
class FastestTargets:
    port_over_floor_max: float | None  # the port's fastest over the floor's fastest, at most
    keras_tensorflow_over_port_min: float | None  # Keras TF's fastest over the port's fastest, at least


MNIST_TARGETS = FastestTargets(port_over_floor_max=1.15, keras_tensorflow_over_port_min=1.3)
# The models the speed issue sets these targets on; make benchmark (--targeted) runs them.
FASTEST_TARGETS: dict[str, FastestTargets] = {
    "mnist_mlp": MNIST_TARGETS,
    "mnist_mlp_512": MNIST_TARGETS,
    "mnist_mlp_rmsprop": MNIST_TARGETS,
    "mnist_convnet": MNIST_TARGETS,
    "cifar_cnn": FastestTargets(port_over_floor_max=None, keras_tensorflow_over_port_min=1.3),
}
# The paired ratios of the fastest row: (numerator, denominator).
FASTEST_RATIOS = {
    "port_over_floor": ("port", "floor"),
    "keras_tensorflow_over_port": ("keras_tensorflow", "port"),
    "keras_torch_over_port": ("keras_torch", "port"),
}


def round_medians(summary: dict, rounds: int) -> list[float | None]:
    """Each round's steady median epoch, None where that round failed. Files written before
    the runner stored them: from the per-round epoch lists when every round is there."""
    if "round_medians" in summary:
        return summary["round_medians"]
    lists = summary.get("epoch_seconds", [])
    if len(lists) != rounds:
        return [None] * rounds
    return [statistics.median(steady_epochs(seconds)) for seconds in lists]


def fastest_entry(modes: dict[str, dict], rounds: int, targets: FastestTargets | None) -> dict:
    """From one model's per-mode entries: per framework its winner and each round's fastest,
    the paired ratios of those, and the targets that apply."""
    frameworks = {}
    for framework in FRAMEWORKS:
        candidates = {mode: round_medians(entry["frameworks"][framework], rounds) for mode, entry in modes.items() if framework in entry.get("frameworks", {})}
        if not candidates:
            continue
        best_per_round = []
        for index in range(rounds):
            measured = [(values[index], mode) for mode, values in candidates.items() if values[index] is not None]
            best_per_round.append(min(measured) if measured else None)
        medians = {mode: statistics.median(value for value in values if value is not None) for mode, values in candidates.items() if any(value is not None for value in values)}
        if not medians:
            continue
        winner = min(medians, key=medians.get)
        frameworks[framework] = {
            "mode": winner,
            "median_epoch_s": statistics.median(best[0] for best in best_per_round if best),
            "round_seconds": [best[0] if best else None for best in best_per_round],
            "round_modes": [best[1] if best else None for best in best_per_round],
            "modes_tried": sorted(candidates),
        }
    entry = {"frameworks": frameworks, "ratios": {}, "ratios_per_round": {}}
    for name, (numerator, denominator) in FASTEST_RATIOS.items():
        if numerator not in frameworks or denominator not in frameworks:
            continue
        pairs = zip(frameworks[numerator]["round_seconds"], frameworks[denominator]["round_seconds"])
        per_round = [a / b for a, b in pairs if a and b]
        if per_round:
            entry["ratios"][name] = statistics.median(per_round)
            entry["ratios_per_round"][name] = per_round
    if targets is not None:
        entry["targets"] = {"port_over_floor_max": targets.port_over_floor_max, "keras_tensorflow_over_port_min": targets.keras_tensorflow_over_port_min}
    return entry


def verdicts(entry: dict) -> list[str]:
    """Each target's outcome, e.g. ["port/floor 1.08 <= 1.15 met", "Keras TF/port 1.21 >= 1.3 MISSED"]."""
    targets, ratios, outcomes = entry.get("targets") or {}, entry["ratios"], []
    bound = targets.get("port_over_floor_max")
    if bound is not None:
        value = ratios.get("port_over_floor")
        outcomes.append("port/floor not measured" if value is None else f"port/floor {value:.2f} <= {bound:g} " + ("met" if value <= bound else "MISSED"))
    bound = targets.get("keras_tensorflow_over_port_min")
    if bound is not None:
        value = ratios.get("keras_tensorflow_over_port")
        outcomes.append("Keras TF/port not measured" if value is None else f"Keras TF/port {value:.2f} >= {bound:g} " + ("met" if value >= bound else "MISSED"))
    return outcomes


def bound(entry: dict, steps_per_epoch: int) -> list[str]:
    """What bounds each missed target, from the same run's figures: how far the port's
    fastest is from the floor's per Keras step, and whether even the floor reaches Keras."""
    targets, ratios, frameworks = entry.get("targets") or {}, entry["ratios"], entry["frameworks"]
    if "port" not in frameworks or "floor" not in frameworks:
        return []
    port, floor = frameworks["port"], frameworks["floor"]
    per_step = lambda seconds: 1000 * seconds / steps_per_epoch  # noqa: E731  (ms per Keras step)
    overhead = per_step(port["median_epoch_s"] - floor["median_epoch_s"])
    lines = []
    limit = targets.get("port_over_floor_max")
    if limit is not None and ratios.get("port_over_floor", 0) > limit:
        lines.append(
            f"port/floor: the port's fastest ({port['mode']}, {per_step(port['median_epoch_s']):.3f} ms per Keras step) spends "
            f"{overhead:.3f} ms per step more than the floor's fastest ({floor['mode']}, {per_step(floor['median_epoch_s']):.3f} ms): "
            "what the Trainer does around the steps (per execution: hooks, progress bar, logging; per epoch: checkpoint, metrics)"
        )
    limit = targets.get("keras_tensorflow_over_port_min")
    keras = frameworks.get("keras_tensorflow")
    if limit is not None and keras is not None and ratios.get("keras_tensorflow_over_port", limit) < limit:
        floor_ratio = keras["median_epoch_s"] / floor["median_epoch_s"]
        if floor_ratio < limit:
            lines.append(
                f"Keras TF/port: bounded by the floor: Keras's fastest ({keras['mode']}, {per_step(keras['median_epoch_s']):.3f} ms per step) is only "
                f"{floor_ratio:.2f}x the floor's fastest ({floor['mode']}, {per_step(floor['median_epoch_s']):.3f} ms), below {limit:g}x even with no framework "
                "at all: the step's own kernels set the pace"
            )
        else:
            lines.append(
                f"Keras TF/port: the floor's fastest reaches {floor_ratio:.2f}x Keras's fastest ({keras['mode']}); the port's {overhead:.3f} ms per step "
                "over the floor is what stands between"
            )
    return lines
