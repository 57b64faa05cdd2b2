"""One export trained from its own ``train.py`` in a fresh folder outside the checkout, where
only torch, lightning, torchmetrics and numpy import (``export.environment.fresh_run``); the
figures it prints at the end are recorded as ``docs/exports/<model>.json`` with the run's
provenance. The full output goes to a log beside the records' folder in ``runs/``, not into docs."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lightning_port.spec import Recipe
from lightning_port.spec.recipe import phase_bounds
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.provenance import REPOSITORY_ROOT, stamp

FORMAT_VERSION = 1
# The line every exported train.py ends with (export/train_source.py): the loss, then the
# accuracy under the name the listing compiled it with ("accuracy" or "acc"), when it has one.
FIGURES = re.compile(r"^(?:test loss|on the training data: loss) (?P<loss>[0-9.]+)(?:, (?:accuracy|acc) (?P<accuracy>[0-9.]+)%)?", re.MULTILINE)


@dataclass(frozen=True)
class Schedule:
    """What a run trains: its label in the records, the train.py options it adds to the listing's."""

    label: str
    options: tuple[str, ...]
    description: str


def listing_schedule(recipe: Recipe) -> Schedule:
    epochs = " + ".join(str(phase.epochs) for phase in recipe.phases) if len(recipe.phases) == 2 else str(recipe.epochs)
    sliced = f" on x_train[:{recipe.train_samples:,}]" if recipe.train_samples is not None else ""
    return Schedule("listing", (), f"the listing's: {epochs} epochs of batch {recipe.batch_size}{sliced}")


def target_schedule(recipe: Recipe) -> Schedule:
    """The schedule the recipe's accuracy or loss target holds for: the listing's, or the outcome
    schedule its Evidence declares (a full-data run where the listing trains a demonstration; a
    shorter one where the listing's takes hours a run here)."""
    evidence = recipe.evidence
    if not evidence.targets_on_outcome_schedule:
        return listing_schedule(recipe)
    options, parts = [], []
    if evidence.outcome_epochs is not None:
        if len(recipe.phases) == 2:  # the exported train.py takes the two fit() calls' epochs apart
            first = phase_bounds(tuple(phase.epochs for phase in recipe.phases), evidence.outcome_epochs)[0]
            options += ["--epochs", str(first), "--denoising-epochs", str(evidence.outcome_epochs - first)]
            parts.append(f"{first} + {evidence.outcome_epochs - first} epochs")
        else:
            options += ["--epochs", str(evidence.outcome_epochs)]
            parts.append(f"{evidence.outcome_epochs} epochs")
    if evidence.outcome_train_samples == "all" and recipe.train_samples is not None:
        options += ["--train-samples", "0"]
        parts.append("every training sample")
    return Schedule("target", tuple(options), f"the outcome schedule: {', '.join(parts)} of batch {recipe.batch_size}")


SCHEDULES = {"target": target_schedule, "listing": listing_schedule}


def parse_figures(output: str) -> dict | None:
    """The last figures line of a train.py's output: {"loss", "accuracy" (a fraction, or None)}."""
    matches = list(FIGURES.finditer(output))
    if not matches:
        return None
    last = matches[-1]
    accuracy = last.group("accuracy")
    return {"loss": float(last.group("loss")), "accuracy": None if accuracy is None else float(accuracy) / 100}


def train_export(recipe: Recipe, schedule: Schedule, data_dir: Path, seed: int, log_dir: Path) -> dict:
    """Export ``recipe``, train it from its own train.py outside the checkout, return the record."""
    from lightning_port.export.environment import fresh_run
    from lightning_port.export.exporter import export_recipe

    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{recipe.name}-{schedule.label}.log"
    arguments = ["--seed", str(seed), "--accelerator", "cpu", *schedule.options]
    if recipe.dataset not in ("addition", "arrays"):
        arguments = ["--data-dir", str(Path(data_dir).resolve()), *arguments]
    with tempfile.TemporaryDirectory(prefix="export-training-") as workspace:
        folder = Path(workspace) / recipe.name
        export_recipe(recipe, folder)
        started = time.perf_counter()
        with log.open("w") as stream:
            completed = fresh_run(folder, arguments, parent=workspace, output=stream)
        seconds = time.perf_counter() - started
    output = log.read_text(errors="replace")
    figures = parse_figures(output)
    shown = [("DATA" if argument == str(Path(data_dir).resolve()) else argument) for argument in arguments]
    return {
        "format_version": FORMAT_VERSION,
        "model": recipe.name,
        "schedule": schedule.label,
        "schedule_description": schedule.description,
        "command": "python train.py " + " ".join(shown),
        "returncode": completed.returncode,
        "test": figures,
        "wall_time_s": round(seconds, 1),
        "log": str(log.relative_to(REPOSITORY_ROOT)) if log.is_relative_to(REPOSITORY_ROOT) else str(log),
        **stamp(),
    }


def write_record(record: dict, folder: Path) -> Path:
    return atomic_write_json(Path(folder) / f"{record['model']}-{record['schedule']}.json", record)
