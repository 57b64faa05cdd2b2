"""The GPU evidence, stage by stage: each stage's inputs, its outputs, and how to make them.

A stage is done when its outputs exist; it runs as child processes of this checkout with the
time the command has left, and the long ones resume where a cut left them (the benchmark's
journal, ``train.py --resume``, Keras's ``BackupAndRestore``). Every file a stage writes
carries the environment block (device, driver, CUDA, package versions, Keras backend).
``SIZES`` gives the full evidence and the smoke run's tiny sizes; the stage list is the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.child_process import REPOSITORY_ROOT, child_environment

CIFAR_SEEDS = (0, 1, 2)  # the first is required; the others run "if time allows"
# What the stages read, relative to the data root: the layouts data/datasets.py expects.
DATA_FILES = (
    *(f"MNIST/raw/{name}" for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")),
    "pima-indians-diabetes.csv",
    "cifar-10-batches-py/batches.meta",
    *(f"cifar-10-batches-py/data_batch_{index}" for index in range(1, 6)),
    "cifar-10-batches-py/test_batch",
)


@dataclass(frozen=True)
class Sizes:
    benchmark_models: tuple[str, ...] | None  # None: the speed-targeted recipes
    benchmark_rounds: int
    benchmark_epochs: int
    benchmark_samples: int | None
    cifar_epochs: int | None  # None: the tutorial's 50
    cifar_samples: int | None
    benchmark_modes: tuple[str, ...] | None = None  # None: every mode


SIZES = {
    "full": Sizes(None, 5, 3, None, None, None),
    # A few hundred images, one CIFAR epoch, one benchmark round of 2 epochs: proves every stage
    # on a CPU in minutes. One benchmark mode (one process per framework and mode is most of the
    # stage's time): compile, the GPU's riskiest. The default mode's pieces run elsewhere in the
    # suite: the eager floor in tests/benchmarking (steps_per_execution_32 on pima_mlp), the
    # canonical module in every training test, Keras on torch with compile() defaults in the
    # CIFAR stage below; the full size (and make benchmark) runs every mode.
    "smoke": Sizes(("mnist_mlp",), 1, 2, 300, 1, 300, benchmark_modes=("compile",)),
}


class StageCut(RuntimeError):
    """The command's time ran out inside a stage; what it made so far is kept for the next."""


@dataclass
class Context:
    root: Path  # outputs go under root/docs, the resumable state under root/runs/gpu-evidence
    data_dir: Path
    accelerator: str  # "gpu"; "cpu" for the smoke run
    keras_backend: str  # torch (the GPU image has no TensorFlow), or jax
    sizes: Sizes
    environment: dict
    deadline: float  # time.monotonic() after which nothing new starts
    python_path: list[str] = field(default_factory=list)  # e.g. the carried Keras wheels' install
    log: Callable[[str], None] = print

    @property
    def state(self) -> Path:
        return self.root / "runs" / "gpu-evidence"

    @property
    def evidence(self) -> Path:
        return self.root / "docs" / "gpu-evidence"

    @property
    def cifar_results(self) -> Path:
        return self.root / "docs" / "examples" / "cifar_cnn" / "gpu"

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def run(self, name: str, command: list[str], allowed: tuple[int, ...] = (0,)) -> int:
        """A child process of this checkout, cut (SIGTERM, then SIGKILL) at the deadline."""
        left = self.seconds_left()
        if left < 20:
            raise StageCut(f"{name}: no time left to start")
        environment = child_environment()  # this checkout on PYTHONPATH, as for every child
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [*self.python_path, environment["PYTHONPATH"]]))
        environment["LIGHTNING_PORT_DATA"] = str(self.data_dir)
        environment["LIGHTNING_PORT_OFFLINE"] = "1"
        # Keras's default backend is TensorFlow, which the GPU image lacks.
        environment["KERAS_BACKEND"] = self.keras_backend
        log_path = self.state / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log(f"  $ {' '.join(command)}  (log: {log_path}, {left:.0f} s left)")
        with log_path.open("a") as log:
            child = subprocess.Popen(command, cwd=REPOSITORY_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
            try:
                code = child.wait(timeout=left)
            except subprocess.TimeoutExpired:
                child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                raise StageCut(f"{name}: cut at the command's time limit; the next command continues it") from None
        if code not in allowed:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{name}: exit {code}: {' | '.join(tail)}")
        return code

    def stamped(self, path: Path, record: dict) -> None:
        atomic_write_json(path, {**record, "environment": self.environment})


@dataclass(frozen=True)
class Stage:
    name: str
    needs: tuple[str, ...]  # data sets ("mnist", "cifar") and "keras"
    outputs: Callable[[Context], list[Path]]
    run: Callable[[Context], None]
    optional: bool = False  # "if time allows": never blocks what follows
    is_done: Callable[[Context], bool] | None = None  # default: every output exists

    def done(self, context: Context) -> bool:
        if self.is_done is not None:
            return self.is_done(context)
        return all(path.exists() for path in self.outputs(context))


# ---- environment ----
def _environment_outputs(context: Context) -> list[Path]:
    return [context.evidence / "environment.json"]


def _write_environment(context: Context) -> None:
    context.stamped(context.evidence / "environment.json", {"stage": "environment"})


# ---- the gpu-marked tests ----
def _tests_outputs(context: Context) -> list[Path]:
    return [context.evidence / "tests.json"]


def _run_tests(context: Context) -> None:
    report = context.state / "gpu-tests.xml"
    # Only the files that hold gpu tests: collecting the whole suite would import the
    # TensorFlow-side fixtures, and the GPU image has no TensorFlow.
    files = sorted(str(path.relative_to(REPOSITORY_ROOT)) for path in (REPOSITORY_ROOT / "tests").rglob("test_*.py") if "pytest.mark.gpu" in path.read_text())
    code = context.run("gpu-tests", [sys.executable, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider", "-q", f"--junitxml={report}", *files], allowed=(0, 1, 5))
    counts = _junit_counts(report) if report.exists() else {}
    if code == 1:
        # Recorded beside the stage, which stays not done: the next command runs the tests again.
        context.stamped(context.evidence / "tests-failed.json", {"stage": "gpu-tests", "exit_status": code, **counts})
        raise RuntimeError(f"gpu tests failed ({counts.get('failed', '?')} failed, {counts.get('errors', '?')} errors); see {context.state / 'logs' / 'gpu-tests.log'}")
    context.stamped(context.evidence / "tests.json", {"stage": "gpu-tests", "exit_status": code, **counts})


def _junit_counts(path: Path) -> dict:
    import xml.etree.ElementTree as ElementTree

    suite = ElementTree.parse(path).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    names = {"tests": "collected", "failures": "failed", "errors": "errors", "skipped": "skipped"}
    counts = {label: int(suite.get(key, 0)) for key, label in names.items()}
    counts["passed"] = counts["collected"] - counts["failed"] - counts["errors"] - counts["skipped"]
    counts["cases"] = [
        {"name": case.get("name"), "outcome": next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")}
        for case in suite.iter("testcase")
    ]
    return counts


# ---- the benchmark, every mode ----
def _benchmark_outputs(context: Context) -> list[Path]:
    return [context.root / "docs" / "benchmarks" / "gpu.json"]


def _run_benchmark(context: Context) -> None:
    sizes = context.sizes
    command = [sys.executable, "scripts/benchmark.py"]
    command += ["--model", *sizes.benchmark_models] if sizes.benchmark_models else ["--targeted"]
    frameworks = ["port", "floor", f"keras_{context.keras_backend}"]
    command += [
        "--frameworks", ",".join(frameworks), "--rounds", str(sizes.benchmark_rounds), "--epochs", str(sizes.benchmark_epochs),
        "--accelerator", context.accelerator, "--data-dir", str(context.data_dir), "--quiet",
        "--journal", str(context.state / "benchmark-journal"), "--stop-after-seconds", str(max(1, int(context.seconds_left() - 60))),
        "--output", str(context.root / "docs" / "benchmarks" / "gpu.json"), "--markdown", str(context.root / "docs" / "benchmarks.md"),
    ]
    if sizes.benchmark_samples:
        command += ["--max-train-samples", str(sizes.benchmark_samples)]
    if sizes.benchmark_modes:
        command += ["--modes", ",".join(sizes.benchmark_modes)]
    if context.run("benchmark", command, allowed=(0, 3)) == 3:
        raise StageCut("benchmark: the rounds measured so far are in its journal; the next command continues it")
    report_path = context.root / "docs" / "benchmarks" / "gpu.json"
    context.stamped(report_path, json.loads(report_path.read_text()))


# ---- CIFAR-10, 50 epochs, each framework ----
def _cifar_output(context: Context, framework: str, seed: int) -> Path:
    return context.cifar_results / f"{framework}-seed{seed}" / "result.json"


def _cifar_stage(framework: str, seed: int) -> Stage:
    def run(context: Context) -> None:
        run_dir = context.state / f"cifar-{framework}-seed{seed}"
        if framework == "lightning":
            command = [sys.executable, "scripts/train.py", "--model", "cifar_cnn", "--accelerator", context.accelerator, "--no-progress-bar"]
            started = (run_dir / "run_config.json").exists()
        else:
            command = [sys.executable, "-m", "keras_reference.run", "--model", "cifar_cnn", "--backend", context.keras_backend, "--verbose", "2"]
            started = run_dir.exists()
        # The same options on every command: a resumed run is checked against them.
        command += ["--output-dir", str(run_dir), "--data-dir", str(context.data_dir), "--seed", str(seed)]
        if context.sizes.cifar_epochs:
            command += ["--epochs", str(context.sizes.cifar_epochs)]
        if context.sizes.cifar_samples:
            command += ["--max-train-samples", str(context.sizes.cifar_samples)]
        if started:
            command.append("--resume")
        context.run(f"cifar-{framework}-seed{seed}", command)
        result = json.loads((run_dir / "result.json").read_text())
        context.stamped(_cifar_output(context, framework, seed), result)
        # Done: only the result is kept; checkpoints would otherwise ride along on every later
        # command (64 MiB per command, the data chunks included).
        shutil.rmtree(run_dir)

    return Stage(
        f"cifar-{framework}-seed{seed}", ("cifar",) + (("keras",) if framework == "keras" else ()),
        lambda context: [_cifar_output(context, framework, seed)], run, optional=seed != CIFAR_SEEDS[0],
    )


def _report_outputs(context: Context) -> list[Path]:
    return [context.cifar_results / "cifar_cnn" / "report.md"]


def _result_files(context: Context) -> list[str]:
    return sorted(str(path.relative_to(context.cifar_results)) for path in context.cifar_results.glob("*-seed*/result.json"))


def _write_report(context: Context) -> None:
    results = [str(context.cifar_results / name) for name in _result_files(context)]
    context.run("cifar-report", [sys.executable, "scripts/compare.py", "--from-results", *results, "--output-dir", str(context.cifar_results)])
    atomic_write_json(context.state / "cifar-report-covers.json", _result_files(context))


def _report_done(context: Context) -> bool:
    """Built, and from every result there is now (seeds that arrived later rebuild it)."""
    covers = context.state / "cifar-report-covers.json"
    return all(path.exists() for path in _report_outputs(context)) and covers.exists() and json.loads(covers.read_text()) == _result_files(context)


def _report_ready(context: Context) -> bool:
    return all(_cifar_output(context, framework, CIFAR_SEEDS[0]).exists() for framework in ("lightning", "keras"))


STAGES: list[Stage] = [
    Stage("environment", (), _environment_outputs, _write_environment),
    Stage("gpu-tests", ("mnist",), _tests_outputs, _run_tests),
    Stage("benchmark", ("mnist", "keras"), _benchmark_outputs, _run_benchmark),
    _cifar_stage("lightning", CIFAR_SEEDS[0]),
    _cifar_stage("keras", CIFAR_SEEDS[0]),
    *(_cifar_stage("lightning", seed) for seed in CIFAR_SEEDS[1:]),
    # Last, so it covers the seeds this command finished; rebuilt when more arrive.
    Stage("cifar-report", (), _report_outputs, _write_report, is_done=_report_done),
]
# A stage that reads other stages' outputs runs only once they exist.
PREREQUISITES: dict[str, Callable[[Context], bool]] = {"cifar-report": _report_ready}
