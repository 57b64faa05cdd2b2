"""Interleaved benchmark rounds and their summary.

The machine is shared and noisy, so every framework in every mode is measured in alternation
within one run (round 1: each mode's port, floor, Keras on TensorFlow, Keras on torch; round
2: the same again, ...) and compared by paired ratios; absolute seconds are only comparable
inside one run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lightning_port.evidence.benchmarking.fastest import FASTEST_TARGETS, fastest_entry
from lightning_port.evidence.benchmarking.modes import KERAS_OVER_PORT_TARGET, MODES, BenchmarkMode
from lightning_port.spec import Recipe
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.child_process import child_environment
from lightning_port.support.provenance import stamp
from lightning_port.support.results import package_versions, steady_epochs

# The paired ratios each mode reports: (numerator, denominator).
RATIOS = {
    "port_over_floor": ("port", "floor"),
    "keras_tensorflow_over_port": ("keras_tensorflow", "port"),
    "keras_torch_over_port": ("keras_torch", "port"),
}


class WorkerFailed(RuntimeError):
    """A measurement that did not finish; reported in the table as failed, with its reason."""


class BenchmarkIncomplete(RuntimeError):
    """The deadline came before every measurement was made; the journal keeps those made."""


class Journal:
    """Every measurement (or failure) on disk as it is made, so an interrupted benchmark, or
    one cut into stages under a time limit (the GPU machine's 10 minutes a command), continues
    where it stopped: a measurement already in the journal is read, not made again. The
    settings it was made with are kept beside it; other settings are refused, not mixed."""

    def __init__(self, root: Path | None, settings: dict):
        self.root = Path(root) if root is not None else None
        if self.root is None:
            return
        identity = {k: v for k, v in settings.items() if k != "quiet"}
        stored = self.root / "settings.json"
        if stored.exists():
            previous = json.loads(stored.read_text())
            if previous != json.loads(json.dumps(identity)):
                raise ValueError(f"{self.root}: this journal holds measurements made with other settings ({previous}); use another --journal directory or delete it")
        else:
            atomic_write_json(stored, identity)

    def _path(self, model: str, mode: str, framework: str, round_index: int) -> Path:
        return self.root / model / mode / framework / f"round-{round_index + 1}.json"

    def read(self, model: str, mode: str, framework: str, round_index: int) -> dict | None:
        if self.root is None:
            return None
        path = self._path(model, mode, framework, round_index)
        return json.loads(path.read_text()) if path.exists() else None

    def write(self, model: str, mode: str, framework: str, round_index: int, record: dict) -> None:
        if self.root is not None:
            atomic_write_json(self._path(model, mode, framework, round_index), record)


def run_worker(framework: str, model: str, mode: BenchmarkMode, settings: dict) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        output, errors = Path(scratch) / "measurement.json", Path(scratch) / "stderr.txt"
        command = [sys.executable, "-m", "lightning_port.evidence.benchmarking.worker", "--framework", framework, "--mode", mode.name, "--model", model, "--output", str(output)]
        for flag in ("epochs", "accelerator", "seed", "data_dir", "max_train_samples", "precision"):
            if settings.get(flag) is not None:
                command += [f"--{flag.replace('_', '-')}", str(settings[flag])]
        with errors.open("w") as stderr:
            completed = subprocess.run(command, env=child_environment(), stdout=subprocess.DEVNULL if settings.get("quiet") else None, stderr=stderr)
        if completed.returncode != 0:
            lines = [line.strip() for line in errors.read_text(errors="replace").splitlines() if line.strip()]
            if not settings.get("quiet"):
                print("\n".join(lines[-20:]), file=sys.stderr)
            raise WorkerFailed(f"exit {completed.returncode}: {lines[-1] if lines else 'no error output'}")
        return json.loads(output.read_text())


def _summarise(measurements: list[dict], batch_size: int) -> dict:
    steady = [s for m in measurements for s in steady_epochs(m["epoch_seconds"])]
    median = statistics.median(steady)
    samples = measurements[0]["train_samples"]
    summary = {
        "epoch_seconds": [m["epoch_seconds"] for m in measurements],
        "median_epoch_s": median,
        # Dropped from the median as warm-up; with --compile it includes the compilation.
        "first_epoch_s": statistics.median(m["epoch_seconds"][0] for m in measurements),
        "samples_per_s": samples / median,
        "steps_per_epoch": -(-samples // batch_size),
        "peak_rss_mb": max(m["peak_rss_mb"] for m in measurements),
        # The highest 1-minute load average seen around a measurement (older files: absent).
        "load_average_max": max((max(m["load_average"]) for m in measurements if "load_average" in m), default=None),
        "device": measurements[0]["device"],
    }
    if any("peak_gpu_mb" in m for m in measurements):
        summary["peak_gpu_mb"] = max(m.get("peak_gpu_mb", 0) for m in measurements)
    return summary


def _mode_entry(mode: BenchmarkMode, collected: dict[str, list], failures: dict[str, str], batch_size: int) -> dict:
    """``collected``: per framework, one measurement per round (None where it failed)."""
    entry = {
        "title": mode.title,
        "port_over_floor_target": mode.port_over_floor_target,
        "keras_configuration": mode.keras_configuration(),
        "frameworks": {
            name: {**_summarise(measured, batch_size), "round_medians": [_steady_median(m) if m else None for m in values]}
            for name, values in collected.items()
            if (measured := [m for m in values if m])
        },
        "failed": failures,
        "not_applicable": {name: reason for name, reason in mode.not_applicable if name in collected},
        # Paired: each round's A over the same round's B, then the median over rounds, so a
        # burst of load on this shared machine during one round cancels out instead of
        # tilting the pooled medians.
        "ratios": {},
        "ratios_per_round": {},
    }
    for name, (numerator, denominator) in RATIOS.items():
        pairs = [(a, b) for a, b in zip(collected.get(numerator, []), collected.get(denominator, [])) if a and b]
        if pairs:
            per_round = [_steady_median(a) / _steady_median(b) for a, b in pairs]
            entry["ratios"][name] = statistics.median(per_round)
            entry["ratios_per_round"][name] = per_round
    return entry


def benchmark_model(
    recipe: Recipe, settings: dict, modes: tuple[str, ...], frameworks: tuple[str, ...], rounds: int, progress,
    journal: Journal | None = None, deadline: float | None = None,
) -> dict:
    model = recipe.name
    journal = journal or Journal(None, settings)
    collected = {mode: {framework: [] for framework in frameworks} for mode in modes}
    failures: dict[str, dict[str, str]] = {mode: {} for mode in modes}
    for round_index in range(rounds):
        for mode_name in modes:
            for framework in frameworks:  # interleaved, so drift hits all alike
                if framework in failures[mode_name] or framework in dict(MODES[mode_name].not_applicable):
                    collected[mode_name][framework].append(None)  # failed before (not retried every round), or cannot run
                    continue
                record = journal.read(model, mode_name, framework, round_index)
                if record is None:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise BenchmarkIncomplete(f"stopped at the deadline before [{model}] round {round_index + 1}, {mode_name}: {framework}")
                    progress(f"[{model}] round {round_index + 1}/{rounds}, {mode_name}: {framework}")
                    try:
                        record = {"measurement": run_worker(framework, model, MODES[mode_name], settings)}
                    except WorkerFailed as error:
                        record = {"failed": str(error)}
                        progress(f"[{model}] {mode_name}: {framework} failed ({error})")
                    journal.write(model, mode_name, framework, round_index, record)
                if "failed" in record:
                    failures[mode_name][framework] = record["failed"]
                collected[mode_name][framework].append(record.get("measurement"))
    train_samples = next((m["train_samples"] for mode in collected.values() for values in mode.values() for m in values if m), None)
    mode_entries = {mode_name: _mode_entry(MODES[mode_name], collected[mode_name], failures[mode_name], recipe.batch_size) for mode_name in modes}
    return {
        "batch_size": recipe.batch_size,
        "speed_targeted": recipe.evidence.speed_targeted,
        "train_samples": train_samples,
        "modes": mode_entries,
        # Each framework's best configuration of those measured, against each other (fastest.py).
        "fastest": fastest_entry(mode_entries, rounds, FASTEST_TARGETS.get(model)),
    }


def _steady_median(measurement: dict) -> float:
    return statistics.median(steady_epochs(measurement["epoch_seconds"]))


def environment(settings: dict) -> dict:
    import torch

    accelerator = settings.get("accelerator", "cpu")
    device = torch.cuda.get_device_name(0) if accelerator == "gpu" and torch.cuda.is_available() else f"CPU {platform.machine()}, {os.cpu_count()} cores"
    return {
        "device": device,
        "accelerator": accelerator,
        "precision": settings.get("precision", "32-true"),
        "python": platform.python_version(),
        "versions": package_versions("torch", "lightning", "keras", "tensorflow", "jax", "numpy"),
        "torch_threads": torch.get_num_threads(),
    }


def run_benchmark(
    recipes: list[Recipe], settings: dict, modes: tuple[str, ...], frameworks: tuple[str, ...], rounds: int, progress=print,
    journal_dir: Path | None = None, deadline: float | None = None,
) -> dict:
    """``journal_dir``: keep each measurement there and reuse those already made (``Journal``);
    ``deadline`` (``time.monotonic()``): raise ``BenchmarkIncomplete`` rather than start a
    measurement after it."""
    journal = Journal(journal_dir, {**settings, "rounds": rounds, "modes": list(modes), "frameworks": list(frameworks)})
    report = {
        **stamp(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": {k: v for k, v in settings.items() if k not in ("quiet", "per_model")},
        "rounds": rounds,
        "modes": list(modes),
        "frameworks": list(frameworks),
        "environment": environment(settings),
        "targets": {
            "port_over_floor_max": {name: MODES[name].port_over_floor_target for name in modes},
            "keras_over_port_min": KERAS_OVER_PORT_TARGET,
            "models": [recipe.name for recipe in recipes if recipe.evidence.speed_targeted],
        },
        "models": {},
    }
    for recipe in recipes:
        model_settings = {**settings, **settings.get("per_model", {}).get(recipe.name, {})}
        report["models"][recipe.name] = benchmark_model(recipe, model_settings, modes, frameworks, rounds, progress, journal, deadline)
    return report


def verdicts(mode_entry: dict, targeted: bool) -> list[str]:
    """Each target's outcome in one mode, e.g. ["port/floor met", "Keras (TF)/port MISSED"]."""
    if not targeted:
        return []
    ratios, outcomes = mode_entry["ratios"], []
    if "port_over_floor" in ratios:
        outcomes.append("port/floor " + ("met" if ratios["port_over_floor"] <= mode_entry["port_over_floor_target"] else "MISSED"))
    for name, label in (("keras_tensorflow_over_port", "Keras TF/port"), ("keras_torch_over_port", "Keras torch/port")):
        if name in ratios:
            outcomes.append(f"{label} " + ("met" if ratios[name] > KERAS_OVER_PORT_TARGET else "MISSED"))
    return outcomes
