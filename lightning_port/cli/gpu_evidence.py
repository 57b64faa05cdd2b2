"""``python -m lightning_port.cli.gpu_evidence``: the GPU evidence in resumable stages.

On a GPU machine, each command runs the stages not yet done (the ``gpu`` tests, the benchmark
in every mode, CIFAR-10 for 50 epochs with Lightning and with Keras, their report) for at most
``--budget-minutes`` and prints what is done and what is left; the next command continues.
``--smoke`` runs the same stages on a CPU with tiny sizes (the default test suite does).

Bringing the data sets and Keras's wheels to a remote GPU machine and its results back
(chunked, checksummed transfer) is a developer tool beside this package:
``scripts/gpu_evidence.py`` (``tools/gpu_evidence``), which ``make gpu-evidence`` runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lightning_port.evidence.gpu import pipeline
from lightning_port.evidence.gpu.stages import SIZES, Context
from lightning_port.support.child_process import REPOSITORY_ROOT

DEFAULT_BUDGET_MINUTES = 9  # the GPU machine allows 10 minutes a command; one for export and margin
SMOKE_ROOT = Path("runs") / "gpu-evidence-smoke"


def add_stage_arguments(parser: argparse.ArgumentParser, exclusive: argparse._MutuallyExclusiveGroup) -> None:
    """The options of running the stages; ``--status`` excludes whatever else ``exclusive`` holds."""
    exclusive.add_argument("--status", action="store_true", help="print what is done and what is left; run nothing")
    parser.add_argument("--smoke", action="store_true", help="the same stages on a CPU with tiny sizes, under --output-root (default: runs/gpu-evidence-smoke)")
    parser.add_argument("--output-root", help="where docs/ and runs/gpu-evidence/ are written (default: this checkout)")
    parser.add_argument("--data-dir", help="data root (default: $LIGHTNING_PORT_DATA, else ../shared/data beside the checkout, else ./data)")
    parser.add_argument("--budget-minutes", type=float, default=DEFAULT_BUDGET_MINUTES, help=f"start nothing after this (default: {DEFAULT_BUDGET_MINUTES}); 0 only reports")
    parser.add_argument("--keras-backend", choices=("torch", "jax"), help="backend of the Keras figures (default: torch, the GPU image has no TensorFlow)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lightning_port.cli.gpu_evidence", description=__doc__.split("\n\n")[0])
    add_stage_arguments(parser, parser.add_mutually_exclusive_group())
    return parser


def data_dir(args) -> Path:
    """``--data-dir`` or ``$LIGHTNING_PORT_DATA`` as every script reads them; else, as the
    Makefile chooses, the shared offline copy beside the checkout when there is one, else
    ./data (where a transfer unpacks on the GPU machine)."""
    from lightning_port.run.description import DATA_DIR_ENVIRONMENT_VARIABLE, resolve_data_root

    if args.data_dir or os.environ.get(DATA_DIR_ENVIRONMENT_VARIABLE):
        return resolve_data_root(args.data_dir)
    shared = REPOSITORY_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else REPOSITORY_ROOT / "data"


def output_root(args) -> Path:
    return Path(args.output_root) if args.output_root else (REPOSITORY_ROOT / SMOKE_ROOT if args.smoke else REPOSITORY_ROOT)


def run_stages(args, started: float, python_path: list[str] | None = None, log=print) -> int:
    """Run (or with ``--status`` only list) the stages; print the status table. Returns the
    exit status: 0 all required stages done, 3 more to do, 1 a stage failed."""
    backend = args.keras_backend or pipeline.default_keras_backend()
    accelerator = "cpu" if args.smoke else "gpu"
    budget = 0 if args.status else args.budget_minutes * 60
    root = output_root(args)
    context = Context(
        root=root, data_dir=data_dir(args), accelerator=accelerator, keras_backend=backend, sizes=SIZES["smoke" if args.smoke else "full"],
        environment=pipeline.environment(accelerator, backend), deadline=started + budget, python_path=list(python_path or []), log=log,
    )
    code, rows = pipeline.run_pipeline(context, smoke=args.smoke)
    log(f"\nGPU evidence ({'smoke run on CPU' if args.smoke else context.environment['device']}; Keras figures from the {backend} backend), under {root}:")
    log(pipeline.status_table(rows))
    if code == 3:
        log("more to do: run the same command again (on the GPU machine) to continue")
    return 0 if args.status else code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_stages(args, time.monotonic(), log=lambda text: print(text, flush=True))


if __name__ == "__main__":
    sys.exit(main())
