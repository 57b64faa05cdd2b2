"""scripts/benchmark.py end to end, tiny: one epoch on a small subset, every framework in one
mode; the per-mode table rendering; the modes themselves (like with like).

Speed itself is not asserted (the machine is shared and noisy); the benchmark's numbers are
recorded in docs/benchmarks.md by a full run (make benchmark).
"""

from __future__ import annotations

import json

import pytest

from lightning_port.evidence.benchmarking.modes import FRAMEWORKS, MODES
from lightning_port.keras_compat import defaults as keras_defaults
from tests.cli.scripts import run_script

pytestmark = pytest.mark.keras  # the Keras columns train the tutorial's own code


def test_one_epoch_smoke_run_prints_the_table_and_writes_valid_files(tmp_path):
    output, page = tmp_path / "cpu.json", tmp_path / "benchmarks.md"
    completed = run_script(
        "benchmark.py", "--model", "pima_mlp", "--modes", "steps_per_execution_32", "--epochs", "1", "--rounds", "1",
        "--max-train-samples", "200", "--output", str(output), "--markdown", str(page), "--quiet",
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    header = next(line for line in completed.stdout.splitlines() if "port/floor" in line)
    assert "Keras TF/port" in header and "Keras torch/port" in header
    row = next(line for line in completed.stdout.splitlines() if line.strip().startswith("pima_mlp"))
    assert "steps_per_execution_32" in row and "reported" in row  # Pima is reported, not held to the MNIST targets

    report = json.loads(output.read_text())
    assert report["commit"] and report["modes"] == ["steps_per_execution_32"]
    entry = report["models"]["pima_mlp"]
    assert entry["train_samples"] == 200 and entry["batch_size"] == 10
    mode = entry["modes"]["steps_per_execution_32"]
    assert mode["failed"] == {}
    # Keras's torch backend cannot run steps_per_execution > 1: not applicable, not failed.
    assert set(mode["not_applicable"]) == {"keras_torch"} and "keras_torch" not in mode["frameworks"]
    for framework in ("port", "floor", "keras_tensorflow"):
        measured = mode["frameworks"][framework]
        assert len(measured["epoch_seconds"]) == 1 and len(measured["epoch_seconds"][0]) == 1
        assert measured["median_epoch_s"] > 0 and measured["samples_per_s"] > 0 and measured["peak_rss_mb"] > 0
        assert measured["load_average_max"] >= 0  # recorded around each measurement: a contended run shows
    seconds = {name: mode["frameworks"][name]["median_epoch_s"] for name in ("port", "floor", "keras_tensorflow")}
    assert mode["ratios"]["port_over_floor"] == pytest.approx(seconds["port"] / seconds["floor"])
    assert mode["ratios"]["keras_tensorflow_over_port"] == pytest.approx(seconds["keras_tensorflow"] / seconds["port"])
    assert "keras_torch_over_port" not in mode["ratios"]
    assert "(Keras tensorflow)" in mode["frameworks"]["keras_tensorflow"]["device"]
    assert "### GPU" in page.read_text() and "| pima_mlp | steps_per_execution_32 |" in page.read_text()
    fastest = entry["fastest"]
    assert fastest["frameworks"]["port"]["mode"] == "steps_per_execution_32" and "targets" not in fastest  # Pima: reported, not targeted
    assert fastest["ratios"]["port_over_floor"] == pytest.approx(mode["ratios"]["port_over_floor"])  # one mode, one round: the same ratio
    assert "Fastest against fastest:" in completed.stdout and "#### Fastest against fastest" in page.read_text()


def test_unknown_framework_or_mode_is_a_usage_error():
    completed = run_script("benchmark.py", "--model", "mnist_mlp", "--frameworks", "port,jax")
    assert completed.returncode == 2
    assert "--frameworks takes a comma-separated subset of port, floor, keras_tensorflow, keras_torch" in completed.stderr.strip().splitlines()[-1]
    completed = run_script("benchmark.py", "--model", "mnist_mlp", "--modes", "turbo")
    assert completed.returncode == 2 and "--modes takes" in completed.stderr.strip().splitlines()[-1]


def test_each_mode_runs_every_side_in_the_same_execution_mode():
    default, blocks, compiled, compiled_blocks = (MODES[name] for name in ("default", "steps_per_execution_32", "compile", "compile_steps_per_execution_32"))
    assert default.port.is_default and not default.floor_compiled
    assert default.keras_options() == {"steps_per_execution": keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT, "jit_compile": keras_defaults.JIT_COMPILE_KERAS_DEFAULT}
    assert blocks.port.steps_per_execution == blocks.keras_steps_per_execution == 32 and not blocks.port.compile
    assert compiled.port.compile and compiled.floor_compiled and compiled.keras_jit_compile is True
    assert compiled.floor_steps_per_execution == 1
    # --compile --steps-per-execution 32 against the same compiled block in the floor and Keras's XLA step looped 32 times.
    assert compiled_blocks.port.compile and compiled_blocks.port.steps_per_execution == 32
    assert compiled_blocks.floor_compiled and compiled_blocks.floor_steps_per_execution == 32
    assert compiled_blocks.keras_options() == {"steps_per_execution": 32, "jit_compile": True}
    assert "keras_torch" in dict(compiled_blocks.not_applicable)
    # The speed issue's targets.
    targets = [mode.port_over_floor_target for mode in (default, blocks, compiled, compiled_blocks)]
    assert targets == [1.5, 1.1, 1.1, 1.15]
    # Between them, Keras on TensorFlow runs every configuration it offers: steps_per_execution 1 / 32 x jit off / on
    # ("auto" is off on a CPU-only TensorFlow: Keras's _resolve_auto_jit_compile).
    configurations = {(mode.keras_steps_per_execution, mode.keras_jit_compile) for mode in MODES.values()}
    assert configurations == {(1, "auto"), (32, "auto"), (1, True), (32, True)}


def _measured(seconds_per_round: list[float | None]) -> dict:
    """A framework's per-mode summary with one steady median per round (None: that round failed)."""
    measured = [value for value in seconds_per_round if value is not None]
    return {"median_epoch_s": sorted(measured)[len(measured) // 2], "round_medians": seconds_per_round, "epoch_seconds": [[9.0, value] for value in measured]}


def test_fastest_against_fastest_takes_each_rounds_best_configuration_and_names_the_winner():
    from lightning_port.evidence.benchmarking.fastest import FASTEST_TARGETS, bound, fastest_entry, verdicts

    modes = {
        "default": {"frameworks": {"port": _measured([2.0, 2.1, 2.2]), "floor": _measured([1.4, 1.4, 1.4]), "keras_tensorflow": _measured([2.5, 2.4, 2.6])}},
        "compile": {"frameworks": {"port": _measured([1.15, 0.9, None]), "floor": _measured([0.8, 0.8, 0.8]), "keras_tensorflow": _measured([1.2, 1.3, 1.1])}},
        "steps_per_execution_32": {"frameworks": {"port": _measured([1.0, 1.2, 1.0]), "floor": _measured([0.9, 0.9, 0.9]), "keras_tensorflow": _measured([1.0, 1.0, 1.0])}},
    }
    entry = fastest_entry(modes, 3, FASTEST_TARGETS["mnist_mlp"])
    port = entry["frameworks"]["port"]
    assert port["round_seconds"] == [1.0, 0.9, 1.0] and port["round_modes"] == ["steps_per_execution_32", "compile", "steps_per_execution_32"]
    assert port["mode"] == "steps_per_execution_32"  # the lowest median over rounds: 1.0, against compile's 1.025
    assert entry["frameworks"]["floor"]["mode"] == "compile" and entry["frameworks"]["keras_tensorflow"]["round_seconds"] == [1.0, 1.0, 1.0]
    assert entry["ratios_per_round"]["port_over_floor"] == pytest.approx([1.25, 1.125, 1.25])
    assert entry["ratios"]["keras_tensorflow_over_port"] == pytest.approx(1.0)
    assert verdicts(entry) == ["port/floor 1.25 <= 1.15 MISSED", "Keras TF/port 1.00 >= 1.3 MISSED"]
    bounds = bound(entry, steps_per_epoch=1_000)
    assert len(bounds) == 2 and "0.200 ms per step more than the floor's fastest (compile" in bounds[0]
    assert bounds[1].startswith("Keras TF/port: bounded by the floor: Keras's fastest (steps_per_execution_32")  # 1.0 / 0.8 < 1.3
    assert "the floor's fastest (compile, 0.800 ms)" in bounds[1]  # names the floor's winning mode, eager or compiled
    assert fastest_entry(modes, 3, None).get("targets") is None and verdicts(fastest_entry(modes, 3, None)) == []
    assert set(FASTEST_TARGETS) == {"mnist_mlp", "mnist_mlp_512", "mnist_mlp_rmsprop", "mnist_convnet", "cifar_cnn"}
    assert FASTEST_TARGETS["cifar_cnn"].port_over_floor_max is None and FASTEST_TARGETS["cifar_cnn"].keras_tensorflow_over_port_min == 1.3


def test_the_compiled_floor_runs_blocks_of_steps_and_its_last_partial_batch_eagerly(data_dir):
    from lightning_port.evidence.benchmarking.floor import floor_epoch_seconds
    from tests.helpers import definition

    # 205 Pima samples in batches of 10: five blocks of 4 compiled steps, then 5 samples eagerly.
    seconds, samples = floor_epoch_seconds(definition("pima_mlp", data_dir, epochs=2, max_train_samples=205), "cpu", compiled=True, steps_per_execution=4)
    assert samples == 205 and len(seconds) == 2 and all(value > 0 for value in seconds)


def _mode_entry(mode: str, port: float, floor: float, tensorflow: float, torch: float, failed: dict | None = None) -> dict:
    seconds = {"port": port, "floor": floor, "keras_tensorflow": tensorflow, "keras_torch": torch}
    return {
        "title": MODES[mode].title,
        "port_over_floor_target": MODES[mode].port_over_floor_target,
        "frameworks": {
            name: {"median_epoch_s": value, "first_epoch_s": 7.5, "samples_per_s": 1.0, "peak_rss_mb": 1.0, "epoch_seconds": [[7.5, value]] * 5}
            for name, value in seconds.items() if name not in (failed or {})
        },
        "failed": failed or {},
        "ratios": {"port_over_floor": port / floor, "keras_tensorflow_over_port": tensorflow / port, **({} if failed else {"keras_torch_over_port": torch / port})},
    }


def test_the_page_shows_each_mode_its_verdicts_failures_and_compilation():
    from lightning_port.evidence.benchmarking.render import markdown

    report = {
        "created": "2026-11-27T00:00:00",
        "commit": "abc1234",
        "machine": "test machine",
        "rounds": 5,
        "frameworks": list(FRAMEWORKS),
        "environment": {"device": "CPU x86_64, 2 cores", "accelerator": "cpu", "precision": "32-true", "versions": {"torch": "2"}, "torch_threads": 2},
        "targets": {"keras_over_port_min": 1.0, "models": ["mnist_mlp"]},
        "models": {
            "mnist_mlp": {
                "speed_targeted": True,
                "batch_size": 32,
                "train_samples": 320,
                "modes": {
                    "default": _mode_entry("default", 2.0, 1.4, 2.5, 3.0),
                    "compile": _mode_entry("compile", 1.0, 0.8, 0.9, 0.0, failed={"keras_torch": "exit 1: torch.compile failed"}),
                },
            }
        },
    }
    assert "more runnable threads than cores" not in markdown(report)
    report["models"]["mnist_mlp"]["modes"]["compile"]["frameworks"]["port"]["load_average_max"] = 3.4
    page = markdown(report)
    assert "mnist_mlp: load average up to 3.4 on 2 cores during its measurements: more runnable threads than cores" in page
    assert "| mnist_mlp | default | 2.000 | 1.400 | 2.500 | 3.000 |" in page
    assert "port/floor met, Keras TF/port met, Keras torch/port met" in page  # 2.0/1.4 = 1.43 <= 1.5
    assert "| mnist_mlp | compile | 1.000 | 0.800 | 0.900 | failed |" in page
    assert "port/floor MISSED, Keras TF/port MISSED" in page  # 1.25 > 1.1; Keras TF faster than the port
    assert "Keras torch failed: exit 1: torch.compile failed" in page
    assert "first epoch, compilation included" in page and "commit abc1234" in page
    # Fastest against fastest, from files made before the runner stored it: the per-mode figures of complete rounds.
    assert "#### Fastest against fastest" in page
    assert "| mnist_mlp | 1.000 (compile) | 0.800 (compile) | 0.900 (steps_per_execution=1, jit_compile=True) | 3.000 (steps_per_execution=1, jit_compile=auto) |" in page
    assert "port/floor 1.25 <= 1.15 MISSED, Keras TF/port 0.90 >= 1.3 MISSED" in page
    assert "mnist_mlp, what bounds it: Keras TF/port: bounded by the floor" in page


def test_journal_resumes_where_a_deadline_stopped_and_refuses_other_settings(tmp_path, monkeypatch):
    """A benchmark cut at its deadline keeps what it measured; the same command again measures
    only the rest (the GPU machine's 10-minute commands rely on it)."""
    import time

    from lightning_port.evidence.benchmarking import runner
    from lightning_port.registry import get_recipe

    calls = []

    def fake_worker(framework, model, mode, settings):
        calls.append((framework, mode.name))
        return {"epoch_seconds": [2.0, 1.0 if framework == "port" else 0.8], "train_samples": 320, "peak_rss_mb": 1.0, "device": "cpu"}

    monkeypatch.setattr(runner, "run_worker", fake_worker)
    recipe, settings = get_recipe("mnist_mlp"), {"epochs": 2, "accelerator": "cpu"}
    arguments = ([recipe], settings, ("default",), ("port", "floor"), 3)
    with pytest.raises(runner.BenchmarkIncomplete):
        runner.run_benchmark(*arguments, progress=lambda text: None, journal_dir=tmp_path, deadline=time.monotonic() - 1)
    assert calls == []  # past the deadline: nothing new starts
    first = runner.run_benchmark(*arguments, progress=lambda text: None, journal_dir=tmp_path)
    assert len(calls) == 6  # 3 rounds x 2 frameworks
    again = runner.run_benchmark(*arguments, progress=lambda text: None, journal_dir=tmp_path)
    assert len(calls) == 6  # every measurement read back from the journal
    assert again["models"] == first["models"]
    assert first["models"]["mnist_mlp"]["modes"]["default"]["ratios"]["port_over_floor"] == pytest.approx(1.25)
    with pytest.raises(ValueError, match="other settings"):
        runner.run_benchmark([recipe], {**settings, "epochs": 3}, ("default",), ("port", "floor"), 3, progress=lambda text: None, journal_dir=tmp_path)
