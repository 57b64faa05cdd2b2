"""The measuring half of a comparison: run both frameworks with identical settings (or read
result.json files already made) and gather everything a report shows into collected.json.

Each training run is its own subprocess (``scripts/train.py`` / ``keras_reference.run``), so
the user sees each framework's own progress bar, the two frameworks never share a process,
and a finished run's result.json survives a later crash.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from keras_reference.backend import BACKENDS, default_backend
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.child_process import REPOSITORY_ROOT, child_environment
from lightning_port.evidence.parity.checks import DEFAULT_PARITY_RESULTS
from lightning_port.spec import Recipe
from lightning_port.support.results import FRAMEWORKS, RESULT_FILE_NAME, ResultFileError, read_result

COLLECTED_FILE_NAME = "collected.json"
COLLECTED_FORMAT_VERSION = 1


class ComparisonError(RuntimeError):
    """A run that failed or input that cannot be compared; the message is one line."""


@dataclass
class CompareSettings:
    seeds: int = 3
    epochs: int | None = None  # None: the tutorial's
    max_train_samples: int | None = None
    accelerator: str = "cpu"
    keras_backend: str | None = None  # None: tensorflow when installed, else torch
    data_dir: str | None = None

    def backend(self) -> str:
        if self.keras_backend:
            return self.keras_backend
        return default_backend()


def seeds_for(recipe: Recipe, count: int) -> list[int]:
    """The tutorial's own seed first (where it sets one), then the next ones."""
    start = recipe.default_seed
    return list(range(start, start + count))


def _command(framework: str, model: str, seed: int, settings: CompareSettings, directory: Path) -> list[str]:
    if framework == "lightning":
        command = [sys.executable, str(REPOSITORY_ROOT / "scripts" / "train.py"), "--accelerator", settings.accelerator]
    else:
        command = [sys.executable, "-m", "keras_reference.run", "--backend", settings.backend()]
    command += ["--model", model, "--seed", str(seed), "--output-dir", str(directory)]
    for flag, value in (("--epochs", settings.epochs), ("--max-train-samples", settings.max_train_samples), ("--data-dir", settings.data_dir)):
        if value is not None:
            command += [flag, str(value)]
    return command


def train_one(framework: str, model: str, seed: int, settings: CompareSettings, directory: Path) -> Path:
    """Train into a scratch folder beside ``directory`` and swap it in only when complete,
    so an interrupted comparison never leaves a half-written run where a good one was."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        completed = subprocess.run(_command(framework, model, seed, settings, scratch / "run"), env=child_environment(), check=False)
        if completed.returncode != 0:
            raise ComparisonError(f"the {framework} run of {model} (seed {seed}) failed with exit code {completed.returncode}; its output is above")
        read_result(scratch / "run")  # a run that wrote no valid result is a failure too
        if directory.exists():
            shutil.rmtree(directory)
        (scratch / "run").rename(directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return directory / RESULT_FILE_NAME


def run_model(recipe: Recipe, settings: CompareSettings, output_dir: Path, progress, position: tuple[int, int] = (0, 1)) -> list[Path]:
    """Train ``settings.seeds`` seeds in each framework; returns the result.json paths."""
    model = recipe.name
    seeds = seeds_for(recipe, settings.seeds)
    runs = [(framework, seed) for seed in seeds for framework in FRAMEWORKS]
    paths = []
    for index, (framework, seed) in enumerate(runs, start=1):
        progress(f"model {position[0] + 1}/{position[1]} ({model}), run {index}/{len(runs)}: {framework}, seed {seed}")
        paths.append(train_one(framework, model, seed, settings, output_dir / model / "runs" / f"{framework}-seed{seed}"))
    return paths


def find_result_files(locations: list[str]) -> list[Path]:
    """result.json files named directly, or found anywhere under the given folders."""
    found = []
    for location in locations:
        path = Path(location)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            files = sorted(path.rglob(RESULT_FILE_NAME))
            if not files:
                raise ComparisonError(f"{path}: no {RESULT_FILE_NAME} under this folder (pass run folders made by scripts/train.py, keras_reference.run or compare.py)")
            found.extend(files)
        else:
            raise ComparisonError(f"{path}: no such file or folder (--from-results takes result.json files or folders holding them)")
    return found


def load_runs(paths: list[Path]) -> dict[str, list[dict]]:
    """Validated results grouped by model; a malformed file stops everything, naming it."""
    by_model: dict[str, list[dict]] = {}
    for path in paths:
        result = read_result(path)
        by_model.setdefault(result["model"], []).append({"path": str(path), "result": result})
    return by_model


def probe_architecture(model: str, backend: str, progress) -> dict:
    for package in ("keras", BACKENDS[backend]):
        if importlib.util.find_spec(package) is None:
            return {"unavailable": f"{package} is not installed here (pip install -e '.[keras]')"}
    progress(f"{model}: reading both architectures")
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "architecture.json"
        command = [sys.executable, "-m", "lightning_port.evidence.comparison.architecture_probe", "--model", model, "--backend", backend, "--output", str(output)]
        completed = subprocess.run(command, env=child_environment(), capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            return {"unavailable": f"building the Keras model failed: {last_line}"}
        return json.loads(output.read_text())


def parity_checks(model: str, path: Path) -> dict:
    if not path.exists():
        return {"unavailable": f"{path} not found: run the parity tests first (make test, or make parity)"}
    try:
        data = json.loads(path.read_text())
        rows = [row for row in data["checks"] if row["model"] == model]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ComparisonError(f"{path}: not a parity checks file written by the test suite ({error})") from None
    # The run that wrote the file: a row it did not measure is shown as such, never as passed.
    return {"source": str(path), "written_at": data.get("written_at"), "run": data.get("run", {}), "checks": rows}


def host_description() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": f"{cpu}, {os.cpu_count()} logical cores", "platform": platform.platform(), "python": platform.python_version()}


def _spec(value) -> str:
    """A recipe dataclass the way one would write it: Dense(units=64, activation='relu')."""
    if not dataclasses.is_dataclass(value):
        return repr(value)
    arguments = ", ".join(f"{field.name}={getattr(value, field.name)!r}" for field in dataclasses.fields(value))
    return f"{type(value).__name__}({arguments})"


def recipe_record(recipe: Recipe) -> dict:
    """What the report says about the recipe, as plain data: a report can then be rebuilt from
    collected.json alone, for a registered tutorial or a ported model alike."""
    validation = recipe.validation
    described = None if validation is None else validation.describe()
    return {
        "name": recipe.name,
        "description": recipe.description,
        "article": {**dataclasses.asdict(recipe.article), "citation": recipe.article.citation()},
        "dataset": recipe.dataset,
        "preprocessing": _spec(recipe.preprocessing),
        "layers": [_spec(layer) for layer in recipe.graph.layers],
        "optimizer": _spec(recipe.optimizer) if recipe.optimizer is not None else None,
        "loss": _spec(recipe.loss) if dataclasses.is_dataclass(recipe.loss) else (recipe.loss if isinstance(recipe.loss, (str, type(None))) else repr(recipe.loss)),
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "parameter_count": recipe.parameter_count,
        "augmentation": _spec(recipe.augmentation) if recipe.augmentation else None,
        "validation": described,
        "evaluate_on": recipe.evaluate_on,
        "reported": dataclasses.asdict(recipe.reported),
        "notes": list(recipe.notes),
    }


def collect(recipe: Recipe, runs: list[dict], settings: CompareSettings, parity_path: Path, progress, architecture: dict | None = None) -> dict:
    """Everything the report shows, as plain data (written as collected.json)."""
    model = recipe.name
    frameworks = {entry["result"]["framework"] for entry in runs}
    missing = [name for name in FRAMEWORKS if name not in frameworks]
    if missing:
        raise ComparisonError(f"{model}: no {' or '.join(missing)} result among the runs given; a comparison needs both frameworks")
    return {
        "format_version": COLLECTED_FORMAT_VERSION,
        "model": model,
        "recipe": recipe_record(recipe),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": {"seeds": settings.seeds, "epochs": settings.epochs, "max_train_samples": settings.max_train_samples, "accelerator": settings.accelerator, "keras_backend": settings.backend()},
        "runs": runs,
        "architecture": architecture if architecture is not None else probe_architecture(model, settings.backend(), progress),
        "parity": parity_checks(model, parity_path),
        "host": host_description(),
    }


def write_collected(collected: dict, directory: Path) -> Path:
    return atomic_write_json(directory / COLLECTED_FILE_NAME, collected)


__all__ = ["DEFAULT_PARITY_RESULTS", "ComparisonError", "CompareSettings", "ResultFileError", "collect", "find_result_files", "load_runs", "run_model", "seeds_for", "write_collected"]
