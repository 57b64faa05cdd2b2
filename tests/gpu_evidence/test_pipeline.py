"""``make gpu-evidence``: its stages proven on this CPU before any GPU appears.

The smoke run is the pipeline the GPU machine runs, every stage, with tiny sizes (a few
hundred images, one CIFAR epoch, one round, one benchmark mode) and Keras on torch,
as there (no TensorFlow); a second command finds every stage done and runs nothing. The transfer of data in chunks is checked
byte for byte, and a damaged chunk is refused.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tools.gpu_evidence import transfer
from lightning_port.evidence.benchmarking.modes import MODES
from lightning_port.evidence.gpu.stages import SIZES, STAGES
from tests.cli.scripts import run_script
from tests.conftest import REPOSITORY_ROOT

pytestmark = pytest.mark.keras


def test_make_target_runs_the_smoke_pipeline():
    dry_run = subprocess.run(["make", "-n", "gpu-evidence", "SMOKE=1"], cwd=REPOSITORY_ROOT, capture_output=True, text=True, check=True).stdout
    assert "scripts/gpu_evidence.py --smoke" in dry_run


def test_smoke_run_makes_every_stage_and_what_it_sends_back_completes_the_evidence_elsewhere(tmp_path):
    sent_back = tmp_path / "OUT"
    first = run_script("gpu_evidence.py", "--smoke", "--output-root", str(tmp_path), "--export", str(sent_back), timeout=1_200)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "FAILED" not in first.stdout
    states = _status_rows(first.stdout)
    assert set(states) == {stage.name for stage in STAGES}
    assert all(state.startswith("done now") for state in states.values()), states
    evidence = tmp_path / "docs"
    environment = json.loads((evidence / "gpu-evidence" / "environment.json").read_text())["environment"]
    assert environment["keras_backend"] == "torch" and environment["commit"] and "torch" in environment["versions"]
    benchmark = json.loads((evidence / "benchmarks" / "gpu.json").read_text())
    assert set(benchmark["modes"]) == set(SIZES["smoke"].benchmark_modes) == {"compile"}
    assert set(SIZES["full"].benchmark_modes or MODES) == {"default", "steps_per_execution_32", "compile", "compile_steps_per_execution_32"}  # the GPU runs all
    assert benchmark["environment"]["keras_backend"] == "torch"
    mode = benchmark["models"]["mnist_mlp"]["modes"]["compile"]
    assert set(mode["frameworks"]) == {"port", "floor", "keras_torch"} and "port_over_floor" in mode["ratios"]
    assert "| mnist_mlp |" in (evidence / "benchmarks.md").read_text()
    for framework in ("lightning", "keras"):
        result = json.loads((evidence / "examples" / "cifar_cnn" / "gpu" / f"{framework}-seed0" / "result.json").read_text())
        assert len(result["history"]) == 1 and result["train_samples"] == 300 and 0 <= result["test"]["accuracy"] <= 1
        assert result["environment"]["device"].startswith("CPU")
    assert (evidence / "examples" / "cifar_cnn" / "gpu" / "cifar_cnn" / "report.md").exists()
    tests = json.loads((evidence / "gpu-evidence" / "tests.json").read_text())
    assert tests["failed"] == 0 and tests["errors"] == 0  # on a CPU the gpu tests skip: they need CUDA
    assert "transfer: " in first.stdout and "verified (SHA-256)" in first.stdout

    # What the GPU machine can send back: at most 8 files of 16 MiB, at the top of $OUT.
    files = [path for path in sent_back.rglob("*") if path.is_file()]
    assert 1 <= len(files) <= 8 and all(path.parent == sent_back and path.stat().st_size <= 16 * 2**20 for path in files)
    # Unpacked into another checkout, it is the whole evidence: every stage done there.
    elsewhere = tmp_path / "elsewhere"
    second = run_script("gpu_evidence.py", "--smoke", "--output-root", str(elsewhere), "--import-results", str(sent_back))
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert set(_status_rows(second.stdout).values()) == {"done"}
    assert (elsewhere / "docs" / "benchmarks" / "gpu.json").read_bytes() == (evidence / "benchmarks" / "gpu.json").read_bytes()
    assert not (elsewhere / "runs" / "gpu-evidence" / "cifar-lightning-seed0").exists()  # finished runs keep only their result


def _status_rows(stdout: str) -> dict[str, str]:
    names = {stage.name for stage in STAGES}
    rows = [line.strip().split(None, 1) for line in stdout.splitlines() if line.startswith("  ")]
    return {row[0]: row[1] for row in rows if len(row) == 2 and row[0] in names}


def test_chunks_round_trip_and_a_damaged_chunk_is_refused(tmp_path):
    sources = []
    for index, size in enumerate((5_000, 12_000, 3_000)):
        path = tmp_path / "source" / f"file-{index}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
        sources.append(path)
    payloads = [transfer.Payload(path, f"data/{path.name}", compress=False) for path in sources]
    chunks = transfer.prepare(payloads, tmp_path / "gpu-transfer", chunk_bytes=10_000)
    assert len(chunks) == 3  # 5,000 | 12,000 (larger than a chunk: alone) | 3,000
    destination = tmp_path / "machine"

    # Only the first chunk has arrived: its file is in place, the others are asked for.
    only_first = tmp_path / "first"
    (only_first).mkdir()
    (chunks[0]).rename(only_first / "chunk-1")
    state = transfer.receive(only_first, destination)
    assert state["verified"] == ["data/file-0.bin"] and state["chunks_needed"] == [2, 3]
    (only_first / "chunk-1").rename(chunks[0])

    damaged = chunks[1] / "files" / "data" / "file-1.bin"
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"x")
    with pytest.raises(transfer.TransferError, match="send chunk-2 again"):
        transfer.receive(tmp_path / "gpu-transfer", destination)
    assert not (destination / "data" / "file-1.bin").exists()  # the bad copy is not left behind

    transfer.prepare(payloads, tmp_path / "gpu-transfer", chunk_bytes=10_000)
    state = transfer.receive(tmp_path / "gpu-transfer", destination)
    assert state["missing"] == [] and len(state["verified"]) == 3
    assert all((destination / "data" / path.name).read_bytes() == path.read_bytes() for path in sources)


def test_a_chunk_with_the_checkout_and_a_cifar_checkpoint_fits_one_command():
    """64 MiB travel per command: a chunk, the tracked checkout, and the pipeline's state
    (a cut CIFAR run's checkpoint, 16 MB, and its small files)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPOSITORY_ROOT, capture_output=True, check=True).stdout.split(b"\0")
    checkout = sum((REPOSITORY_ROOT / name.decode()).stat().st_size for name in tracked if name and (REPOSITORY_ROOT / name.decode()).is_file())
    checkpoint = 16_200_000
    total = transfer.CHUNK_BYTES + checkout + checkpoint
    print(f"chunk {transfer.CHUNK_BYTES / 2**20:.0f} MiB + checkout {checkout / 2**20:.1f} MiB + checkpoint {checkpoint / 2**20:.1f} MiB = {total / 2**20:.1f} MiB")
    assert total <= 64 * 2**20


def test_a_stage_cut_at_the_time_limit_continues_in_the_next_command(tmp_path):
    """The orchestration alone, with stand-in stages: a cut stage is "in progress" and what
    follows waits for the next command (exit 3); a failed stage is reported and exits 1; the
    next command skips what is done and finishes the rest (exit 0)."""
    import time

    from lightning_port.evidence.gpu.pipeline import run_pipeline
    from lightning_port.evidence.gpu.stages import SIZES, Context, Stage, StageCut

    calls = []

    def stage(name, cut_first=False, fail=False):
        output = tmp_path / f"{name}.done"

        def run(context):
            calls.append(name)
            if fail:
                raise RuntimeError(f"{name} broke")
            if cut_first and calls.count(name) == 1:
                raise StageCut(f"{name}: cut at the command's time limit")
            output.write_text("done")

        return Stage(name, (), lambda context: [output], run)

    def context(seconds):
        return Context(
            root=tmp_path, data_dir=tmp_path, accelerator="cpu", keras_backend="torch", sizes=SIZES["smoke"],
            environment={}, deadline=time.monotonic() + seconds, log=lambda text: None,
        )

    stages = [stage("first"), stage("long", cut_first=True), stage("after")]
    code, rows = run_pipeline(context(600), smoke=True, stages=stages)
    assert code == 3 and dict(rows)["first"].startswith("done now") and dict(rows)["long"].startswith("in progress")
    assert dict(rows)["after"] == "left for the next command (time)"
    code, rows = run_pipeline(context(600), smoke=True, stages=stages)
    assert code == 0 and dict(rows)["first"] == "done" and calls == ["first", "long", "long", "after"]

    code, rows = run_pipeline(context(600), smoke=True, stages=[stage("broken", fail=True)])
    assert code == 1 and dict(rows)["broken"] == "FAILED: broken broke"
