"""The fused-kernel-versus-loop page (docs/recurrent_paths.md) is its JSON rendered, and the
measurement runs both paths of each configuration."""

from lightning_port.evidence.benchmarking.recurrent_paths import CASES, markdown, measure_case
from tests.conftest import REPOSITORY_ROOT


def test_the_committed_page_renders_the_committed_measurement():
    import json

    report = json.loads((REPOSITORY_ROOT / "docs" / "recurrent_paths" / "cpu.json").read_text())
    assert (REPOSITORY_ROOT / "docs" / "recurrent_paths.md").read_text() == markdown(report), "re-render: python scripts/benchmark_recurrent.py --render-only"
    assert [entry["label"] for entry in report["paths"]] == [case.label for case in CASES]


def test_each_configuration_times_both_paths():
    entry = measure_case(CASES[0], rounds=2, passes=1)
    assert set(entry["milliseconds"]) == {"fused", "loop"} and all(value > 0 for value in entry["milliseconds"].values())
    assert len(entry["loop_over_fused_per_round"]) == 2
