"""docs/exports.md from the records ``measure.py`` writes (this file only renders).

One section function per part of the page, in the order they appear (``SECTIONS``)."""

from __future__ import annotations

import json
from pathlib import Path

from lightning_port.evidence.comparison.document import Heading, Paragraph, Table, to_markdown
from lightning_port.registry import get_recipe

ROW_HEADERS = ["export", "schedule", "command (in the copied folder)", "result", "target (recipe)", "verdict", "wall time", "commit"]


def read_records(folder: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))]


def target_text(record: dict) -> tuple[str, bool | None]:
    """The recipe's target for this run and whether the run met it; None where the target
    holds for another schedule than the one run."""
    recipe = get_recipe(record["model"])
    applies = record["schedule"] == "target" or not recipe.evidence.targets_on_outcome_schedule
    figures = record["test"]
    if recipe.evidence.outcome_metric == "loss":
        text = f"loss <= {recipe.loss_target}"
        met = None if figures is None else figures["loss"] <= recipe.loss_target
    else:
        text = f"accuracy >= {100 * recipe.accuracy_target:.1f}%"
        met = None if figures is None or figures["accuracy"] is None else figures["accuracy"] >= recipe.accuracy_target
    if not applies:
        return f"{text}, at the outcome schedule (not this run)", None
    return text, met


def _result(record: dict) -> str:
    figures = record["test"]
    if figures is None:
        return f"no figures printed (exit status {record['returncode']})"
    scored = "on its training data: " if get_recipe(record["model"]).evaluate_on == "train" else ""
    accuracy = "" if figures["accuracy"] is None else f"{100 * figures['accuracy']:.2f}%, "
    return f"{scored}{accuracy}loss {figures['loss']:.4f}"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def introduction_section(records: list[dict]) -> list:
    return [
        Heading("The exported tutorials, trained from their own train.py", 1),
        Paragraph(
            "Each tutorial exported (`scripts/export.py`), copied to a new folder outside the checkout and "
            "trained there by its own `train.py`, with only torch, lightning, torchmetrics and numpy (and "
            "their dependencies) importable, on this project's CPU machine (two cores, shared with other "
            "work). The figures are the ones `train.py` prints at the end. Regenerate with "
            "`make export-training` (every tutorial, hours) or `python scripts/export_training.py --model NAME`; "
            "records in `docs/exports/`, one per run."
        ),
    ]


def runs_section(records: list[dict]) -> list:
    rows = []
    for record in records:
        target, met = target_text(record)
        verdict = "not applicable" if met is None and record["test"] is not None else ("met" if met else "MISSED")
        rows.append([
            f"`{record['model']}`", record["schedule_description"], f"`{record['command']}`", _result(record),
            target, verdict, _minutes(record["wall_time_s"]), record["commit"],
        ])
    return [Heading("Runs"), Table(ROW_HEADERS, rows)]


SECTIONS = [introduction_section, runs_section]


def render(records: list[dict]) -> str:
    return to_markdown([block for section in SECTIONS for block in section(records)])


def runs_line(record: dict) -> str:
    """One run in a line, for the command's progress."""
    target, met = target_text(record)
    verdict = "" if met is None else (" (met)" if met else " (MISSED)")
    return f"{record['model']}: {_result(record)}; target {target}{verdict}; {_minutes(record['wall_time_s'])}"
