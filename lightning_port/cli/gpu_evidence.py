"""``make gpu-evidence`` (``python scripts/gpu_evidence.py``): the GPU evidence in resumable stages.

On a GPU machine, each command runs the stages not yet done (the ``gpu`` tests, the benchmark
in every mode, CIFAR-10 for 50 epochs with Lightning and with Keras, their report) for at most
``--budget-minutes`` and prints what is done and what is left; the next command continues.
``--smoke`` runs the same stages on a CPU with tiny sizes (the default test suite does).

Typical use with a GPU machine that takes 64 MiB and 10 minutes per command::

    python scripts/gpu_evidence.py --prepare-transfer          # here: gpu-transfer/chunk-1..N
    make gpu-evidence EXPORT=$OUT                               # there, carrying chunk-1 and runs/gpu-evidence
    python scripts/gpu_evidence.py --import-results FILES_AT   # here: unpacks what came back
    ... again with chunk-2, chunk-3, ... until the status says everything is done.

What comes back is one archive in parts of at most 15 MiB at the top of $OUT (the machine
returns at most 8 files, 2 folders deep); runs/gpu-evidence in it is the state a cut stage
continues from, so the next command carries it again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from lightning_port.evidence.gpu import pipeline, transfer
from lightning_port.evidence.gpu.stages import SIZES, Context
from lightning_port.support.child_process import REPOSITORY_ROOT

DEFAULT_BUDGET_MINUTES = 9  # the GPU machine allows 10 minutes a command; one for export and margin
SMOKE_ROOT = Path("runs") / "gpu-evidence-smoke"
SMOKE_CHUNK_BYTES = 8 * 2**10  # several chunks even for the smoke run's two small files


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gpu_evidence.py", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--prepare-transfer", action="store_true", help="(here) pack the data sets and Keras's wheels into gpu-transfer/chunk-N for the GPU machine")
    what.add_argument("--import-results", metavar="DIR", help="(here) copy the files a GPU command sent back (its $OUT) into this checkout")
    what.add_argument("--status", action="store_true", help="print what is done and what is left; run nothing")
    parser.add_argument("--smoke", action="store_true", help="the same stages on a CPU with tiny sizes, under --output-root (default: runs/gpu-evidence-smoke)")
    parser.add_argument("--output-root", help="where docs/ and runs/gpu-evidence/ are written (default: this checkout)")
    parser.add_argument("--data-dir", help="data root (default: $LIGHTNING_PORT_DATA, else ./data, where the transfer unpacks)")
    parser.add_argument("--budget-minutes", type=float, default=DEFAULT_BUDGET_MINUTES, help=f"start nothing after this (default: {DEFAULT_BUDGET_MINUTES}); 0 only unpacks and reports")
    parser.add_argument("--keras-backend", choices=("torch", "jax"), help="backend of the Keras figures (default: torch, the GPU image has no TensorFlow)")
    parser.add_argument("--export", metavar="DIR", help="copy what this command produced to DIR (the GPU machine's $OUT)")
    return parser


def _data_dir(args) -> Path:
    """``--data-dir`` or ``$LIGHTNING_PORT_DATA`` as every script reads them; else, as the
    Makefile chooses, the shared offline copy beside the checkout when there is one, else
    ./data (where the transfer unpacks on the GPU machine)."""
    import os

    from lightning_port.run.description import DATA_DIR_ENVIRONMENT_VARIABLE, resolve_data_root

    if args.data_dir or os.environ.get(DATA_DIR_ENVIRONMENT_VARIABLE):
        return resolve_data_root(args.data_dir)
    shared = REPOSITORY_ROOT.parent / "shared" / "data"
    return shared if shared.is_dir() else REPOSITORY_ROOT / "data"


def _prepare_transfer(args) -> int:
    data_dir = _data_dir(args)
    wheels = transfer.download_keras_wheels(REPOSITORY_ROOT / transfer.TRANSFER_DIR.with_name("gpu-transfer-wheels"))
    payloads = [transfer.Payload(wheel, f"{pipeline.MACHINE_DIR}/wheels/{wheel.name}", compress=False) for wheel in wheels]
    payloads += [transfer.Payload(data_dir / name, f"data/{name}") for name in transfer.DATA_FILES]
    chunks = transfer.prepare(payloads, REPOSITORY_ROOT / transfer.TRANSFER_DIR)
    print(f"{len(chunks)} chunks under {transfer.TRANSFER_DIR}/ (each carried with runs/gpu-evidence on one command):")
    for chunk in chunks:
        manifest = json.loads((chunk / transfer.MANIFEST).read_text())
        names = [entry["destination"] for entry in manifest["files"] if entry["stored"].startswith(chunk.name + "/")]
        print(f"  {chunk.relative_to(REPOSITORY_ROOT)}  {transfer.chunk_bytes_on_disk(chunk) / 2**20:.1f} MiB: {', '.join(Path(name).name for name in names)}")
    return 0


def _smoke_transfer(root: Path, data_dir: Path, log) -> None:
    """The transfer's round trip on two small files, in chunks of 8 KiB: packed, unpacked,
    every file verified against its SHA-256."""
    payloads = [transfer.Payload(data_dir / name, f"received/{name}") for name in ("pima-indians-diabetes.csv", "MNIST/raw/t10k-labels-idx1-ubyte")]
    chunks = transfer.prepare(payloads, root / "gpu-transfer", chunk_bytes=SMOKE_CHUNK_BYTES)
    state = transfer.receive(root / "gpu-transfer", root)
    if state["missing"]:
        raise transfer.TransferError(f"smoke transfer: {state['missing']} did not arrive")
    log(f"transfer: {len(chunks)} chunks, {len(state['verified'])} files unpacked and verified (SHA-256)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.monotonic()
    log = lambda text: print(text, flush=True)  # noqa: E731
    if args.prepare_transfer:
        try:
            return _prepare_transfer(args)
        except transfer.TransferError as error:
            print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
            return 1
    root = Path(args.output_root) if args.output_root else (REPOSITORY_ROOT / SMOKE_ROOT if args.smoke else REPOSITORY_ROOT)
    if args.import_results:
        try:
            names = transfer.unpack_products(Path(args.import_results), root)
        except transfer.TransferError as error:
            print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
            return 1
        print(f"unpacked into {root}: {len(names)} paths ({', '.join(sorted({name.split('/')[0] + '/' + name.split('/')[1] for name in names if '/' in name}))})")
        args.status = True
    data_dir = _data_dir(args)
    try:
        if not args.smoke:
            received = transfer.receive(root / transfer.TRANSFER_DIR, root)
            if received["manifest"]:
                log(f"transfer: {len(received['verified'])} files verified, {len(received['missing'])} missing" + (f" (bring chunk(s) {', '.join(map(str, received['chunks_needed']))})" if received["missing"] else ""))
        python_path = pipeline.install_carried_keras(root, log)
        if args.smoke and not args.status:
            _smoke_transfer(root, data_dir, log)
    except (transfer.TransferError, OSError, subprocess.CalledProcessError) as error:
        print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
        return 1
    backend = args.keras_backend or pipeline.default_keras_backend()
    accelerator = "cpu" if args.smoke else "gpu"
    budget = 0 if args.status else args.budget_minutes * 60
    context = Context(
        root=root, data_dir=data_dir, accelerator=accelerator, keras_backend=backend, sizes=SIZES["smoke" if args.smoke else "full"],
        environment=pipeline.environment(accelerator, backend), deadline=started + budget, python_path=python_path, log=log,
    )
    code, rows = pipeline.run_pipeline(context, smoke=args.smoke)
    log(f"\nGPU evidence ({'smoke run on CPU' if args.smoke else context.environment['device']}; Keras figures from the {backend} backend), under {root}:")
    log(pipeline.status_table(rows))
    if code == 3:
        log("more to do: run the same command again (on the GPU machine) to continue")
    if args.export:
        try:
            parts = transfer.pack_products(root, list(pipeline.PRODUCED), Path(args.export))
        except transfer.TransferError as error:
            print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
            return 1
        log(f"exported to {args.export}: {', '.join(part.name for part in parts)} (unpack here with --import-results)")
    return 0 if args.status else code


if __name__ == "__main__":
    sys.exit(main())
