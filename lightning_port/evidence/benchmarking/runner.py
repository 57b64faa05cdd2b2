"""Interleaved benchmark rounds (port, floor, Keras, port, floor, Keras, ...) and their summary.

The machine is shared and noisy, so the three are measured in alternation within one run
and compared by ratio; absolute seconds are only comparable inside one run.
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

from lightning_port.support.child_process import child_environment
from lightning_port.spec import Recipe
from lightning_port.support.results import package_versions, steady_epochs

# Targets from the speed issue (CPU, the recipes whose Evidence says speed_targeted).
PORT_OVER_FLOOR_TARGET = 1.2
KERAS_OVER_PORT_TARGET = 3.0
RATIOS = {"port_over_floor": ("port", "floor"), "keras_over_port": ("keras", "port")}


def run_worker(framework: str, model: str, settings: dict) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "measurement.json"
        command = [sys.executable, "-m", "lightning_port.evidence.benchmarking.worker", "--framework", framework, "--model", model, "--output", str(output)]
        for flag in ("epochs", "accelerator", "seed", "data_dir", "max_train_samples", "precision", "backend"):
            if settings.get(flag) is not None:
                command += [f"--{flag.replace('_', '-')}", str(settings[flag])]
        if settings.get("compile") and framework == "port":
            command.append("--compile")
        completed = subprocess.run(command, env=child_environment(), stdout=subprocess.DEVNULL if settings.get("quiet") else None)
        if completed.returncode != 0:
            raise RuntimeError(f"benchmark worker for {framework}/{model} failed (exit {completed.returncode})")
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
        "device": measurements[0]["device"],
    }
    if any("peak_gpu_mb" in m for m in measurements):
        summary["peak_gpu_mb"] = max(m.get("peak_gpu_mb", 0) for m in measurements)
    return summary


def benchmark_model(recipe: Recipe, settings: dict, frameworks: tuple[str, ...], rounds: int, progress) -> dict:
    model = recipe.name
    collected: dict[str, list[dict]] = {framework: [] for framework in frameworks}
    for round_index in range(rounds):
        for framework in frameworks:  # interleaved: A B C A B C, so drift hits all alike
            progress(f"[{model}] round {round_index + 1}/{rounds}: {framework}")
            collected[framework].append(run_worker(framework, model, settings))
    results = {name: _summarise(values, recipe.batch_size) for name, values in collected.items()}
    entry = {
        "batch_size": recipe.batch_size,
        "speed_targeted": recipe.evidence.speed_targeted,
        "train_samples": collected[frameworks[0]][0]["train_samples"],
        "frameworks": results,
        # Ratios are paired: each round's A over the same round's B, then the median over
        # rounds, so a burst of load on this shared machine during one round cancels out
        # instead of tilting the pooled medians.
        "ratios": {},
        "ratios_per_round": {},
    }
    for name, (numerator, denominator) in RATIOS.items():
        if numerator in collected and denominator in collected:
            per_round = [_steady_median(a) / _steady_median(b) for a, b in zip(collected[numerator], collected[denominator])]
            entry["ratios"][name] = statistics.median(per_round)
            entry["ratios_per_round"][name] = per_round
    return entry


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
        "versions": package_versions("torch", "lightning", "keras", "tensorflow-cpu", "tensorflow", "jax", "numpy"),
        "torch_threads": torch.get_num_threads(),
    }


def run_benchmark(recipes: list[Recipe], settings: dict, frameworks: tuple[str, ...], rounds: int, progress=print) -> dict:
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    report = {
        "created": started,
        "settings": {k: v for k, v in settings.items() if k != "quiet"},
        "rounds": rounds,
        "environment": environment(settings),
        "targets": {
            "port_over_floor_max": PORT_OVER_FLOOR_TARGET, "keras_over_port_min": KERAS_OVER_PORT_TARGET,
            "models": [recipe.name for recipe in recipes if recipe.evidence.speed_targeted],
        },
        "models": {},
    }
    for recipe in recipes:
        report["models"][recipe.name] = benchmark_model(recipe, {**settings, **settings.get("per_model", {}).get(recipe.name, {})}, frameworks, rounds, progress)
    report["settings"].pop("per_model", None)
    return report


def verdict(ratios: dict, targeted: bool) -> str:
    """Each target's outcome, e.g. "port/floor met, Keras/port MISSED"."""
    if not targeted:
        return "reported"
    outcomes = []
    if "port_over_floor" in ratios:
        outcomes.append("port/floor " + ("met" if ratios["port_over_floor"] <= PORT_OVER_FLOOR_TARGET else "MISSED"))
    if "keras_over_port" in ratios:
        outcomes.append("Keras/port " + ("met" if ratios["keras_over_port"] >= KERAS_OVER_PORT_TARGET else "MISSED"))
    return ", ".join(outcomes) or "reported"
