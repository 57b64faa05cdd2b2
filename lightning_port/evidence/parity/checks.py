"""Parity check records: what was measured, against which bound, whether it held, and when,
at which commit and on which machine it was measured.

The parity tests record every comparison here; pytest prints the table at the end of the
run and writes it as JSON (``reports/parity/checks.json``), which the comparison reports
embed. A partial run (``-k mnist_mlp``) keeps the other rows of the file, each with the
stamp of the run that measured it; the file names the run that wrote it, and a row from an
earlier run is shown as "not measured in this run", never as passed.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from lightning_port.evidence.parity.truth import TruthComparison
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.provenance import stamp

# Where the parity suite writes its table (reports read it from here).
PARITY_RESULTS_VARIABLE = "LIGHTNING_PORT_PARITY_JSON"
DEFAULT_PARITY_RESULTS = Path("reports") / "parity" / "checks.json"
NOT_MEASURED = "not measured in this run"


@dataclass
class ParityCheck:
    check: str
    model: str
    measured: float
    tolerance: float
    passed: bool
    comparison: str = "<="  # how measured is held to tolerance: "<=" or ">="
    detail: str = ""
    # Float32 rows judged against the float64 truth (evidence/parity/truth.py): the port's and
    # Keras's errors, their ratio, the float64 cross-framework difference and the floor.
    # The bound (tolerance) is 2 x Keras's error + the floor.
    port_error: float | None = None
    keras_error: float | None = None
    ratio: float | None = None
    float64_difference: float | None = None
    floor: float | None = None
    # Provenance of the measurement.
    run_id: str = ""
    measured_at: str = ""
    commit: str = ""
    machine: str = ""

    def line(self) -> str:
        verdict = "ok  " if self.passed else "FAIL"
        if self.port_error is not None:
            numbers = (
                f"port {_format(self.port_error):>9}  Keras {_format(self.keras_error):>9}  ratio {_format(self.ratio):>6}  "
                f"float64 {_format(self.float64_difference):>9}  bound {_format(self.tolerance)}"
            )
        else:
            numbers = f"{_format(self.measured):>12} {self.comparison} {_format(self.tolerance):<10}"
        return f"{verdict} {self.check:<52} {self.model:<18} {numbers} {self.detail}".rstrip()


def _format(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if math.isinf(value):
        return "inf"
    if abs(value) >= 1e-2 and abs(value) < 1e5:
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"
    return f"{value:.2e}"


class ParityRecorder:
    def __init__(self):
        self.checks: list[ParityCheck] = []
        self.run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.run = {"run_id": self.run_id, **stamp()}

    def _add(self, entry: ParityCheck) -> ParityCheck:
        entry.run_id = self.run_id
        entry.measured_at, entry.commit, entry.machine = (stamp()[key] for key in ("measured_at", "commit", "machine"))
        self.checks.append(entry)
        print(entry.line())
        return entry

    def record(self, check: str, model: str, measured: float, tolerance: float, comparison: str = "<=", detail: str = "") -> ParityCheck:
        measured = float(measured)
        passed = measured <= tolerance if comparison == "<=" else measured >= tolerance
        return self._add(ParityCheck(check, model, measured, float(tolerance), passed, comparison, detail))

    def record_truth(self, check: str, model: str, comparison: TruthComparison, detail: str = "") -> ParityCheck:
        """A float32 quantity against the float64 truth. It passes when the port's error is
        within 2 x Keras's + the floor AND the two float64 results agree (a check of its own)."""
        passed = comparison.passed and comparison.float64_agrees
        if not comparison.float64_agrees:
            detail = f"float64 results differ by {comparison.float64_difference:.2e} (> 1e-10); {detail}".rstrip("; ")
        entry = ParityCheck(
            check, model, comparison.port_error, comparison.bound, passed, "<=", detail,
            port_error=comparison.port_error, keras_error=comparison.keras_error, ratio=comparison.ratio,
            float64_difference=comparison.float64_difference, floor=comparison.floor,
        )
        return self._add(entry)

    def table(self) -> str:
        header = f"     {'check':<52} {'model':<18} measured (float32 rows: errors against the float64 truth; bound = 2 x Keras + floor)"
        return "\n".join([header, *(entry.line() for entry in self.checks)])

    def write(self, path: str | os.PathLike | None = None) -> Path:
        target = Path(path or os.environ.get(PARITY_RESULTS_VARIABLE) or DEFAULT_PARITY_RESULTS)
        existing = []
        if target.exists():
            try:
                existing = json.loads(target.read_text()).get("checks", [])
            except (json.JSONDecodeError, AttributeError):
                existing = []
        # A later partial run (e.g. -k mnist_mlp) updates its rows and keeps the others, each
        # with the stamp of the run that measured it.
        fresh = {(c.check, c.model) for c in self.checks}
        merged = [row for row in existing if (row.get("check"), row.get("model")) not in fresh]
        merged += [asdict(c) for c in self.checks]
        return atomic_write_json(target, {"run": self.run, "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "checks": merged})


def read_checks(path: str | os.PathLike) -> tuple[dict, list[ParityCheck]]:
    """(the run that wrote the file, its rows)."""
    data = json.loads(Path(path).read_text())
    known = {field.name for field in fields(ParityCheck)}
    return data.get("run", {}), [ParityCheck(**{k: v for k, v in row.items() if k in known}) for row in data.get("checks", [])]


def measured_in_run(row: dict, run: dict) -> bool:
    """Whether the run that wrote the file measured this row (rows of files written before
    rows were stamped have no run id: they count as not measured)."""
    return bool(run.get("run_id")) and row.get("run_id") == run.get("run_id")
