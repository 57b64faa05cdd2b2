"""scripts/compare.py: reports built from real (short) runs of both frameworks (see conftest),
rebuilt from their result files, and rejected clearly when a result file is broken."""

from __future__ import annotations

import json
import shutil
import struct

import pytest

from lightning_port.registry import model_names
from tests.cli.scripts import last_error_line, run_script

pytestmark = pytest.mark.keras  # the Keras side trains for real

SECTIONS = ("## Recipe", "## Architecture, side by side", "## Learning curves", "## Test results", "## Parity checks", "## Speed", "## Environment", "## Runs")
FIGURES = ("learning_curves.png", "test_results.png", "speed.png")


def _png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_report_has_every_section(report_dir):
    markdown = (report_dir / "report.md").read_text()
    for section in SECTIONS:
        assert section in markdown, section
    for figure in FIGURES:
        assert f"]({figure})" in markdown
        width, height = _png_size(report_dir / figure)
        assert width > 300 and height > 150
    assert "Every layer matches field for field" in markdown
    assert "2 of 2 checks measured in the last parity run passed" in markdown
    # The earlier run's failing row is shown as not measured in this run, never as a verdict.
    old_row = next(line for line in markdown.splitlines() if "training: an old row" in line)
    assert "not measured in this run (last measured" in old_row and "passed" not in old_row and "FAILED" not in old_row
    truth_row = next(line for line in markdown.splitlines() if line.startswith("|") and "float64 truth" in line)
    assert "| 6.2e-08 | 5e-08 | 1.24 | 1.1e-16 |" in truth_row and "| passed |" in truth_row
    assert "| tutorial (published) |  | 96.50% | 0.1080 |" in markdown
    collected = json.loads((report_dir / "collected.json").read_text())
    assert sorted((run["result"]["framework"], run["result"]["seed"]) for run in collected["runs"]) == [("keras", 0), ("keras", 1), ("lightning", 0), ("lightning", 1)]
    # Every seed's figure appears, for both frameworks, exactly as its result.json has it.
    for run in collected["runs"]:
        assert f"seed {run['result']['seed']}: {100 * run['result']['test']['accuracy']:.2f}%" in markdown


def test_html_is_self_contained(report_dir):
    page = (report_dir / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    for forbidden in ("<script", "http://", "https://fonts", "<link "):
        assert forbidden not in page
    for section in SECTIONS:
        assert f"<h2>{section[3:]}</h2>" in page.replace("&#x27;", "'")


def test_rebuilds_from_result_files_without_training(report_dir, tmp_path, parity_file):
    completed = run_script("compare.py", "--from-results", str(report_dir / "runs"), "--output-dir", str(tmp_path), "--parity-checks", str(parity_file), timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert not any("run 1/" in line for line in completed.stderr.splitlines())  # nothing trained
    rebuilt = (tmp_path / "mnist_mlp" / "report.md").read_text()
    original = (report_dir / "report.md").read_text()
    table = lambda text: text[text.index("## Test results") : text.index("## Parity checks")]  # noqa: E731
    assert table(rebuilt) == table(original)


def test_index_links_each_report(report_dir):
    from lightning_port.evidence.comparison.render import read_collected, render_index

    collected = read_collected(report_dir / "collected.json")
    index = render_index([collected], report_dir.parent).read_text()
    assert '<a href="mnist_mlp/report.html">mnist_mlp</a>' in index
    assert (report_dir.parent / "mnist_mlp" / "report.html").exists()
    accuracy = sum(r["result"]["test"]["accuracy"] for r in collected["runs"] if r["result"]["framework"] == "keras") / 2
    assert f"{100 * accuracy:.2f}% ±" in index


def test_all_without_every_model_names_the_missing_ones(report_dir, tmp_path):
    completed = run_script("compare.py", "--all", "--from-results", str(report_dir / "runs"), "--output-dir", str(tmp_path), timeout=300)
    assert completed.returncode == 1
    missing = ", ".join(name for name in model_names() if name != "mnist_mlp")
    assert f"no results for {missing}" in last_error_line(completed)


def _copied_runs(report_dir, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(report_dir / "runs", runs)
    return runs


def test_a_truncated_result_file_is_named(report_dir, tmp_path):
    runs = _copied_runs(report_dir, tmp_path)
    broken = runs / "keras-seed1" / "result.json"
    broken.write_text(broken.read_text()[:200])
    completed = run_script("compare.py", "--from-results", str(runs), "--output-dir", str(tmp_path / "out"), timeout=300)
    assert completed.returncode == 1
    line = last_error_line(completed)
    assert str(broken) in line and "not valid JSON" in line
    assert not (tmp_path / "out" / "mnist_mlp" / "report.html").exists()


def test_a_result_missing_a_field_is_named(report_dir, tmp_path):
    runs = _copied_runs(report_dir, tmp_path)
    broken = runs / "lightning-seed0" / "result.json"
    data = json.loads(broken.read_text())
    del data["history"]
    broken.write_text(json.dumps(data))
    completed = run_script("compare.py", "--from-results", str(broken), str(runs / "keras-seed0"), "--output-dir", str(tmp_path / "out"), timeout=300)
    assert completed.returncode == 1
    assert last_error_line(completed) == f"compare.py: error: {broken}: missing field 'history' (not a lightning-port result.json?)"


def test_a_missing_result_path_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    completed = run_script("compare.py", "--from-results", str(missing), timeout=120)
    assert completed.returncode == 1
    assert str(missing) in last_error_line(completed) and "no such file or folder" in last_error_line(completed)


def test_one_framework_alone_is_not_a_comparison(report_dir, tmp_path):
    completed = run_script("compare.py", "--from-results", str(report_dir / "runs" / "lightning-seed0"), "--output-dir", str(tmp_path), timeout=300)
    assert completed.returncode == 1
    assert "mnist_mlp: no keras result among the runs given" in last_error_line(completed)
