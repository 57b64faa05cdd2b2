"""One short real comparison (both frameworks, two seeds) shared by the report tests."""

from __future__ import annotations

import pytest

from lightning_port.evidence.parity.checks import ParityRecorder
from tests.cli.scripts import run_script

SHORT_RUN = ("--seeds", "2", "--epochs", "2", "--max-train-samples", "1000")


@pytest.fixture(scope="package")
def parity_file(tmp_path_factory):
    """Two parity runs wrote this file: the first measured a row the second did not."""
    from lightning_port.evidence.parity.truth import TruthComparison

    path = tmp_path_factory.mktemp("parity") / "checks.json"
    earlier = ParityRecorder()
    earlier.record("training: an old row", "mnist_mlp", 0.5, 1e-5, detail="fixture, earlier run")  # it failed then
    earlier.write(path)
    latest = ParityRecorder()
    latest.record_truth("numerics: loss (float32 vs float64 truth)", "mnist_mlp", TruthComparison(6.2e-8, 5.0e-8, 1.1e-16), detail="fixture")
    latest.record("weights: predicted-class agreement", "mnist_mlp", 1.0, 1.0, comparison=">=")
    return latest.write(path)


@pytest.fixture(scope="package")
def report_dir(tmp_path_factory, parity_file):
    """Two seeds of two epochs on 1,000 images in each framework: small, but real runs."""
    output = tmp_path_factory.mktemp("reports")
    completed = run_script("compare.py", "--model", "mnist_mlp", *SHORT_RUN, "--output-dir", str(output), "--parity-checks", str(parity_file))
    assert completed.returncode == 0, completed.stderr[-3000:]
    progress = [line for line in completed.stderr.splitlines() if line.startswith("compare:")]
    assert "run 1/4: lightning, seed 0" in progress[0] and "run 4/4: keras, seed 1" in progress[3]
    return output / "mnist_mlp"
