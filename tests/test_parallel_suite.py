"""The default suite runs in parallel workers (make test: pytest-xdist); the parity table is
still one file with every worker's rows, each counted as measured in this run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPOSITORY_ROOT, data_root

pytestmark = pytest.mark.keras  # the parity rows compared here come from Keras's ImageDataGenerator


def test_parity_rows_of_every_worker_land_in_one_table(tmp_path):
    pytest.importorskip("xdist", reason="pytest-xdist comes with the dev extra: pip install -e '.[dev]' (make test does)")
    table = tmp_path / "checks.json"
    environment = {**os.environ, "LIGHTNING_PORT_PARITY_JSON": str(table), "LIGHTNING_PORT_DATA": str(data_root())}
    command = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", "tests/parity/test_augmentation.py", "-k", "fixed_transform"]
    completed = subprocess.run(command, cwd=REPOSITORY_ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "3 passed" in completed.stdout and "parity checks (measured vs tolerance)" in completed.stdout
    written = json.loads(table.read_text())
    rows = [row for row in written["checks"] if row["check"].startswith("augmentation: ")]
    assert len(rows) == 3 and all(row["passed"] for row in rows)
    assert {row["run_id"] for row in rows} == {written["run"]["run_id"]}  # measured in this run, whichever worker measured it
