"""One measurement in its own process: ``python -m lightning_port.evidence.benchmarking.worker``.

A process per measurement gives each framework its own peak-memory figure and keeps
TensorFlow and torch from sharing (and contending in) one process.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
from pathlib import Path

from lightning_port.evidence.benchmarking.modes import FRAMEWORKS, KERAS_BACKENDS, MODES, mode_named
from lightning_port.support.atomic import atomic_write_json


def _peak_memory_mb(device: str) -> dict:
    peak = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # KiB on Linux
    if device == "cuda":
        import torch

        if torch.cuda.is_initialized():
            peak["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return peak


def measure(framework: str, model: str, mode_name: str, epochs: int, accelerator: str, seed: int, data_dir, max_train_samples, precision: str) -> dict:
    """One framework's epochs in one mode; this process is an entry point, so it resolves its run here."""
    from lightning_port.registry import get_recipe
    from lightning_port.run.resolve import resolve_definition

    mode = mode_named(mode_name)
    device = "cuda" if accelerator == "gpu" else "cpu"
    load_before = os.getloadavg()[0]
    recipe = get_recipe(model)
    definition = resolve_definition(recipe, epochs=epochs, seed=seed, data_dir=data_dir, max_train_samples=max_train_samples)
    with tempfile.TemporaryDirectory() as scratch:
        if framework == "port":
            from lightning_port.run.description import TrainingRun
            from lightning_port.training.callbacks import EpochClock
            from lightning_port.training.fit import run_training

            clock = EpochClock()
            run = TrainingRun(**definition, output_dir=Path(scratch) / "run", accelerator=accelerator, precision=precision, speed=mode.port)
            result = run_training(run, extra_callbacks=(clock,))
            seconds, samples, where = clock.seconds, result["train_samples"], result["device"]
        elif framework == "floor":
            from lightning_port.evidence.benchmarking.floor import floor_epoch_seconds
            from lightning_port.run.description import RunDefinition

            seconds, samples = floor_epoch_seconds(RunDefinition(**definition), device, precision, compiled=mode.floor_compiled, steps_per_execution=mode.floor_steps_per_execution)
            where = device
        else:
            from keras_reference.run import run_reference
            from lightning_port.run.description import KerasRun

            backend = KERAS_BACKENDS[framework]
            result = run_reference(KerasRun(**definition, output_dir=Path(scratch), backend=backend, verbose=0, **mode.keras_options()))
            seconds, samples, where = [row["seconds"] for row in result["history"]], result["train_samples"], f"{result['device']} (Keras {backend})"
    # The 1-minute load average before and after: above the core count, another process
    # competed for the cores (OpenMP-threaded kernels then stall; render.py flags it).
    load = [load_before, os.getloadavg()[0]]
    return {
        "framework": framework, "mode": mode.name, "epoch_seconds": seconds, "train_samples": samples, "device": where,
        "machine": platform.node(), "load_average": load, "cores": os.cpu_count(), **_peak_memory_mb(device),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lightning_port.evidence.benchmarking.worker")
    parser.add_argument("--framework", choices=FRAMEWORKS, required=True)
    parser.add_argument("--mode", choices=list(MODES), required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--accelerator", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--max-train-samples", type=int)
    parser.add_argument("--precision", default="32-true")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    measurement = measure(args.framework, args.model, args.mode, args.epochs, args.accelerator, args.seed, args.data_dir, args.max_train_samples, args.precision)
    atomic_write_json(args.output, measurement)
    return 0


if __name__ == "__main__":
    sys.exit(main())
