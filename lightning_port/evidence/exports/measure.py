"""One export trained from its own ``train.py`` in a fresh folder outside the checkout, where
only torch, lightning, torchmetrics and numpy import (``export.environment.fresh_run``); the
figures it prints at the end, the recipe's target and the verdict are recorded as
``docs/exports/<model>-<schedule>.json`` with the run's provenance. The full output goes to a
log in ``runs/export-training/``, not into docs."""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lightning_port.export.data_source import GENERATED
from lightning_port.spec import Recipe
from lightning_port.spec.recipe import phase_bounds
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.provenance import REPOSITORY_ROOT, stamp

FORMAT_VERSION = 1
# The line every exported train.py ends with (export/train_source.py): the loss, then the
# accuracy under the name the listing compiled it with ("accuracy" or "acc"), when it has one.
# A run that diverged prints nan: read as such, and judged missed.
_NUMBER = r"[0-9.]+|nan|inf"
FIGURES = re.compile(
    rf"^(?:test loss|on the training data: loss) (?P<loss>{_NUMBER})(?:, (?:accuracy|acc) (?P<accuracy>{_NUMBER})%)?", re.MULTILINE
)
MET, MISSED, NOT_APPLICABLE = "met", "missed", "not applicable"


@dataclass(frozen=True)
class Schedule:
    """What a run trains: its label in the records, the train.py options it adds to the
    listing's, and whether the recipe's accuracy or loss target holds for it."""

    label: str
    options: tuple[str, ...]
    description: str
    judged: bool


def _denoising(recipe: Recipe) -> bool:
    """The exported train.py takes a clean fit() then a noisy one apart (as train_source does)."""
    return any(phase.input_noise is not None for phase in recipe.phases)


def listing_schedule(recipe: Recipe) -> Schedule:
    epochs = " + ".join(str(phase.epochs) for phase in recipe.phases) if _denoising(recipe) else str(recipe.epochs)
    sliced = f" on x_train[:{recipe.train_samples:,}]" if recipe.train_samples is not None else ""
    judged = not recipe.evidence.targets_on_outcome_schedule
    return Schedule("listing", (), f"the listing's: {epochs} epochs of batch {recipe.batch_size}{sliced}", judged)


def target_schedule(recipe: Recipe) -> Schedule:
    """The schedule the recipe's accuracy or loss target holds for: the listing's, or the outcome
    schedule its Evidence declares (a full-data run where the listing trains a demonstration; a
    shorter one where the listing's takes hours a run here)."""
    evidence = recipe.evidence
    if not evidence.targets_on_outcome_schedule:
        return listing_schedule(recipe)
    options, parts = [], []
    if evidence.outcome_epochs is not None:
        if _denoising(recipe):
            first = phase_bounds(tuple(phase.epochs for phase in recipe.phases), evidence.outcome_epochs)[0]
            options += ["--epochs", str(first), "--denoising-epochs", str(evidence.outcome_epochs - first)]
            parts.append(f"{first} + {evidence.outcome_epochs - first} epochs")
        else:
            options += ["--epochs", str(evidence.outcome_epochs)]
            parts.append(f"{evidence.outcome_epochs} epochs")
    if evidence.outcome_train_samples is not None:
        if evidence.outcome_train_samples != "all" or recipe.train_samples is None:
            raise ValueError(f"{recipe.name}: the exported train.py takes --train-samples 0 (every sample) only, not outcome_train_samples={evidence.outcome_train_samples!r}")
        options += ["--train-samples", "0"]
        parts.append("every training sample")
    return Schedule("target", tuple(options), f"the outcome schedule: {', '.join(parts)} of batch {recipe.batch_size}", True)


SCHEDULES = {"target": target_schedule, "listing": listing_schedule}


def parse_figures(output: str) -> dict | None:
    """The last figures line of a train.py's output: {"loss", "accuracy" (a fraction, or None)}."""
    matches = list(FIGURES.finditer(output))
    if not matches:
        return None
    last = matches[-1]
    accuracy = last.group("accuracy")
    return {"loss": float(last.group("loss")), "accuracy": None if accuracy is None else float(accuracy) / 100}


def judge(recipe: Recipe, schedule: Schedule, returncode: int, figures: dict | None) -> tuple[str, str]:
    """(the recipe's target in words, the verdict): a failed or unreadable run is never met."""
    if recipe.evidence.outcome_metric == "loss":
        target, value, holds = f"loss <= {recipe.loss_target}", (figures or {}).get("loss"), lambda loss: loss <= recipe.loss_target
    else:
        target, value, holds = f"accuracy >= {100 * recipe.accuracy_target:.1f}%", (figures or {}).get("accuracy"), lambda accuracy: accuracy >= recipe.accuracy_target
    if returncode != 0:
        return target, f"failed (exit status {returncode})"
    if value is None:
        return target, "failed (no figures printed)"
    if not schedule.judged:
        return f"{target}, at the outcome schedule (not this run)", NOT_APPLICABLE
    return target, MET if not math.isnan(value) and holds(value) else MISSED


def train_export(recipe: Recipe, schedule: Schedule, data_dir: Path, seed: int, log_dir: Path) -> dict:
    """Export ``recipe``, train it from its own train.py outside the checkout, return the record."""
    from lightning_port.export.environment import fresh_run
    from lightning_port.export.exporter import export_recipe

    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{recipe.name}-{schedule.label}.log"
    arguments = ["--seed", str(seed), "--accelerator", "cpu", *schedule.options]
    if recipe.dataset not in GENERATED:
        arguments = ["--data-dir", str(Path(data_dir).resolve()), *arguments]
    with tempfile.TemporaryDirectory(prefix="export-training-") as workspace:
        folder = Path(workspace) / recipe.name
        export_recipe(recipe, folder)
        started = time.perf_counter()
        with log.open("w") as stream:
            completed = fresh_run(folder, arguments, parent=workspace, output=stream)
        seconds = time.perf_counter() - started
    figures = parse_figures(log.read_text(errors="replace"))
    target, verdict = judge(recipe, schedule, completed.returncode, figures)
    shown = [("DATA" if argument == str(Path(data_dir).resolve()) else argument) for argument in arguments]
    return {
        "format_version": FORMAT_VERSION,
        "model": recipe.name,
        "schedule": schedule.label,
        "schedule_description": schedule.description,
        "command": "python train.py " + " ".join(shown),
        "returncode": completed.returncode,
        "test": figures,
        "scored_on": "the training data" if recipe.evaluate_on == "train" else "the test split",
        "target": target,
        "verdict": verdict,
        "wall_time_s": round(seconds, 1),
        "log": str(log.relative_to(REPOSITORY_ROOT)) if log.is_relative_to(REPOSITORY_ROOT) else str(log),
        **stamp(),
    }


def record_path(folder: Path, recipe: Recipe, schedule: Schedule) -> Path:
    return Path(folder) / f"{recipe.name}-{schedule.label}.json"


def write_record(record: dict, path: Path) -> Path:
    return atomic_write_json(path, record)
