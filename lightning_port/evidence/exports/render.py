"""docs/exports.md from the records ``measure.py`` writes (this file only renders).

One section function per part of the page, in the order they appear (``SECTIONS``)."""

from __future__ import annotations

import json
from pathlib import Path

from lightning_port.evidence.comparison.document import Heading, Paragraph, Table, to_markdown

ROW_HEADERS = ["export", "schedule", "command (in the copied folder)", "result", "target (recipe)", "verdict", "wall time", "commit"]


def read_records(folder: Path) -> list[dict]:
    """The records of finished runs (a failed run's ``.failed.json`` stays off the page)."""
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json")) if not path.name.endswith(".failed.json")]


def _result(record: dict) -> str:
    figures = record["test"]
    if figures is None:
        return "no figures printed"
    scored = "on its training data: " if record["scored_on"] == "the training data" else ""
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
            "work), seed as the recipe's. The figures are the ones `train.py` prints at the end, judged against "
            "the recipe's target by `measure.judge` (a failed, silent or diverged run is never met). Regenerate with `make export-training` (every tutorial: "
            "about an hour here, `cifar_cnn`'s 50 epochs alone 40 minutes) or `python scripts/export_training.py "
            "--model NAME`; one record per run in `docs/exports/`, the full output in `runs/export-training/`."
        ),
    ]


def runs_section(records: list[dict]) -> list:
    rows = [
        [
            f"`{record['model']}`", record["schedule_description"], f"`{record['command']}`", _result(record),
            record["target"], record["verdict"], _minutes(record["wall_time_s"]), record["commit"],
        ]
        for record in records
    ]
    return [Heading("Runs"), Table(ROW_HEADERS, rows), *_notes(records)]


def _notes(records: list[dict]) -> list:
    """A record's note (how it came to be, where that differs from the usual run), one
    paragraph per note with the runs it concerns."""
    runs_by_note: dict[str, list[str]] = {}
    for record in records:
        if record.get("note"):
            runs_by_note.setdefault(record["note"], []).append(f"`{record['model']}` ({record['schedule']})")
    return [Paragraph(f"{', '.join(runs)}: {note}.") for note, runs in runs_by_note.items()]


SECTIONS = [introduction_section, runs_section]


def render(records: list[dict]) -> str:
    return to_markdown([block for section in SECTIONS for block in section(records)])


def runs_line(record: dict) -> str:
    """One run in a line, for the command's progress."""
    return f"{record['model']}: {_result(record)}; target {record['target']}: {record['verdict']}; {_minutes(record['wall_time_s'])}"
