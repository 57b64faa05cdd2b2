"""Parity check records: what was measured, against which tolerance, and whether it held.

The parity tests record every comparison here; pytest prints the table at the end of the
run and writes it as JSON, which the comparison reports embed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from lightning_port.support.atomic import atomic_write_json

# Where the parity suite writes its table (reports read it from here).
PARITY_RESULTS_VARIABLE = "LIGHTNING_PORT_PARITY_JSON"
DEFAULT_PARITY_RESULTS = Path("reports") / "parity" / "checks.json"


@dataclass
class ParityCheck:
    check: str
    model: str
    measured: float
    tolerance: float
    passed: bool
    comparison: str = "<="  # how measured is held to tolerance: "<=" or ">="
    detail: str = ""

    def line(self) -> str:
        verdict = "ok  " if self.passed else "FAIL"
        return f"{verdict} {self.check:<44} {self.model:<18} {_format(self.measured):>12} {self.comparison} {_format(self.tolerance):<10} {self.detail}"


def _format(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e-2 and abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.2e}"


class ParityRecorder:
    def __init__(self):
        self.checks: list[ParityCheck] = []

    def record(self, check: str, model: str, measured: float, tolerance: float, comparison: str = "<=", detail: str = "") -> ParityCheck:
        measured = float(measured)
        passed = measured <= tolerance if comparison == "<=" else measured >= tolerance
        entry = ParityCheck(check, model, measured, float(tolerance), passed, comparison, detail)
        self.checks.append(entry)
        print(entry.line())
        return entry

    def table(self) -> str:
        header = f"     {'check':<44} {'model':<18} {'measured':>12}    {'tolerance':<10} detail"
        return "\n".join([header, *(entry.line() for entry in self.checks)])

    def write(self, path: str | os.PathLike | None = None) -> Path:
        target = Path(path or os.environ.get(PARITY_RESULTS_VARIABLE) or DEFAULT_PARITY_RESULTS)
        existing = []
        if target.exists():
            try:
                existing = json.loads(target.read_text()).get("checks", [])
            except (json.JSONDecodeError, AttributeError):
                existing = []
        # A later partial run (e.g. -k mnist_mlp) updates its rows and keeps the others.
        fresh = {(c.check, c.model) for c in self.checks}
        merged = [row for row in existing if (row.get("check"), row.get("model")) not in fresh]
        merged += [asdict(c) for c in self.checks]
        return atomic_write_json(target, {"written_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "checks": merged})


def read_checks(path: str | os.PathLike) -> list[ParityCheck]:
    data = json.loads(Path(path).read_text())
    return [ParityCheck(**row) for row in data.get("checks", [])]
