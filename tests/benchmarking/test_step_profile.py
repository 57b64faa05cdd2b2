"""scripts/profile_step.py: where a step's time goes, per phase, for the port and the floor,
eager and in compiled blocks; measured to JSON, drawn on the benchmarks page."""

from __future__ import annotations

import json

import pytest

from tests.cli.scripts import run_script


def test_a_tiny_profile_times_every_phase_of_every_configuration_and_draws_the_page(tmp_path):
    output, page = tmp_path / "profiles" / "pima_mlp-cpu.json", tmp_path / "benchmarks.md"
    completed = run_script("profile_step.py", "--model", "pima_mlp", "--steps", "6", "--output", str(output), "--markdown", str(page))
    assert completed.returncode == 0, completed.stderr[-3000:]
    profile = json.loads(output.read_text())
    assert profile["kind"] == "step_profile" and profile["commit"] and profile["train_samples"] == 60
    configurations = profile["configurations"]
    assert list(configurations) == ["floor", "port", "floor_compiled_block", "port_compiled_block"]
    eager, port, compiled = configurations["floor"]["phases_ms"], configurations["port"]["phases_ms"], configurations["port_compiled_block"]["phases_ms"]
    assert {"data", "forward", "backward", "optimizer"} <= set(eager) and "augmentation" not in eager  # Pima has no augmentation
    assert {"data", "forward", "backward", "optimizer", "Lightning and metrics"} <= set(port)
    assert "compiled step" in compiled and "forward" not in compiled  # one graph: no hook may enter it
    for values in configurations.values():
        assert values["steps"] == 6 and values["step_ms"] > 0
        assert sum(values["phases_ms"].values()) == pytest.approx(values["step_ms"], rel=1e-6)  # the rest is its own row
        assert all(milliseconds >= 0 for milliseconds in values["phases_ms"].values())
    text = page.read_text()
    assert "### Where a `pima_mlp` step's time goes" in text and "| compiled step |" in text and "| step (wall) |" in text
    assert "step (wall)" in completed.stdout


def test_the_profile_refuses_subset_options_it_sets_itself():
    completed = run_script("profile_step.py", "--model", "pima_mlp", "--max-train-samples", "10")
    assert completed.returncode == 2 and "--steps sets the subset" in completed.stderr.strip().splitlines()[-1]
