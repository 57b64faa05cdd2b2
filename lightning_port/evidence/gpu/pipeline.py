"""Running the GPU evidence in commands of at most 10 minutes, each continuing the last.

One command runs, in order, every stage that is not done and whose inputs are present, until
the time budget is spent, and prints what is done and what is left. Bringing the data and
Keras's wheels to a remote GPU machine, and its results back, is the developer tool
``tools/gpu_evidence`` (``scripts/gpu_evidence.py``), not part of this package.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import time

from lightning_port.evidence.gpu.stages import DATA_FILES, PREREQUISITES, STAGES, Context, Stage, StageCut
from lightning_port.support.provenance import stamp
from lightning_port.support.results import package_versions

# Files a command produces, relative to the output root: what --export packs for the trip back
# and --import-results unpacks into the checkout. runs/gpu-evidence is the state a cut stage
# continues from (the benchmark's journal, an unfinished training run); carry it back.
PRODUCED = ("docs/gpu-evidence", "docs/benchmarks/gpu.json", "docs/benchmarks.md", "docs/examples/cifar_cnn/gpu", "runs/gpu-evidence")
MINIMUM_SECONDS_TO_START = 30
DATA_NEEDS = {
    "mnist": [name for name in DATA_FILES if name.startswith("MNIST/")],
    "cifar": [name for name in DATA_FILES if name.startswith("cifar-10")],
}


def environment(accelerator: str, keras_backend: str) -> dict:
    """Device, driver, CUDA and package versions: stamped on every file the pipeline writes."""
    import torch

    record = {**stamp(), "accelerator": accelerator, "keras_backend": keras_backend}
    if accelerator == "gpu" and torch.cuda.is_available():
        properties = torch.cuda.get_device_properties(0)
        record.update(
            device=torch.cuda.get_device_name(0), device_memory_gib=round(properties.total_memory / 2**30, 1),
            compute_capability=f"{properties.major}.{properties.minor}", cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(), driver=_nvidia_driver(),
        )
    else:
        record.update(device=f"CPU {platform.machine()}, {os.cpu_count()} cores (smoke run: no GPU)")
    record["versions"] = package_versions("torch", "lightning", "torchmetrics", "torchvision", "keras", "jax", "jaxlib", "numpy", "tensorflow")
    return record


def _nvidia_driver() -> str:
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (nvidia-smi not available)"


def default_keras_backend() -> str:
    """torch: the same kernels as the port (the GPU image has no TensorFlow); JAX otherwise."""
    return "torch" if importlib.util.find_spec("torch") else "jax"


def availability(context: Context, smoke: bool) -> dict[str, str | None]:
    """Each need: None when met, else why not."""
    import torch

    needs: dict[str, str | None] = {}
    needs["cuda"] = None if smoke or torch.cuda.is_available() else "no CUDA device visible (run on the GPU machine; --smoke runs on a CPU)"
    for name, files in DATA_NEEDS.items():
        absent = [file for file in files if not (context.data_dir / file).is_file()]
        needs[name] = f"{len(absent)} of its files not in {context.data_dir} yet (bring the transfer chunks)" if absent else None
    needs["keras"] = None if importlib.util.find_spec("keras") else "keras not importable (bring chunk-1, which carries its wheels)"
    needs["matplotlib"] = None if importlib.util.find_spec("matplotlib") else "matplotlib not installed here (build the report where it is, e.g. after --import-results)"
    return needs


def stage_needs(stage: Stage) -> tuple[str, ...]:
    # The report only reads result files; every other stage measures on the device.
    return stage.needs + (("matplotlib",) if stage.name == "cifar-report" else ("cuda",))


def run_pipeline(context: Context, smoke: bool, stages: list[Stage] = STAGES) -> tuple[int, list[tuple[str, str]]]:
    """Returns (exit status, [(stage, state)]): 0 when every required stage is done, 3 when
    some are left for a later command, 1 when a stage failed."""
    met = availability(context, smoke)
    rows: list[tuple[str, str]] = []
    failed = cut = False
    for stage in stages:
        if stage.done(context):
            rows.append((stage.name, "done"))
            continue
        waiting = [f"{need}: {met[need]}" for need in stage_needs(stage) if met[need]]
        prerequisite = PREREQUISITES.get(stage.name)
        if prerequisite is not None and not prerequisite(context):
            waiting.append("waits for the stages it reads")
        if waiting:
            rows.append((stage.name, "waiting (" + "; ".join(waiting) + ")"))
            continue
        if cut or context.seconds_left() < MINIMUM_SECONDS_TO_START:
            rows.append((stage.name, "left for the next command (time)"))
            continue
        context.log(f"stage {stage.name}: starting")
        started = time.monotonic()
        try:
            stage.run(context)
            rows.append((stage.name, f"done now ({time.monotonic() - started:.0f} s)"))
        except StageCut as error:
            cut = True
            rows.append((stage.name, f"in progress: {error}"))
        except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError) as error:
            failed = True
            rows.append((stage.name, f"FAILED: {error}"))
    required_left = any(not stage.optional and not stage.done(context) for stage in stages)
    return (1 if failed else 3 if required_left else 0), rows


def status_table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {state}" for name, state in rows)
