"""``make gpu-evidence`` (``python scripts/gpu_evidence.py``): the package's GPU evidence stages
(``lightning_port.cli.gpu_evidence``), carried to a remote GPU machine and back.

Typical use with a GPU machine that takes 64 MiB and 10 minutes per command::

    python scripts/gpu_evidence.py --prepare-transfer          # here: gpu-transfer/chunk-1..N
    make gpu-evidence EXPORT=$OUT                               # there, carrying chunk-1 and runs/gpu-evidence
    python scripts/gpu_evidence.py --import-results FILES_AT   # here: unpacks what came back
    ... again with chunk-2, chunk-3, ... until the status says everything is done.

Each command there first unpacks whatever data chunks arrived (every file checked against
its SHA-256) and installs the carried Keras wheels if Keras is missing, then runs the stages.
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

from lightning_port.cli import gpu_evidence
from lightning_port.evidence.gpu import pipeline
from lightning_port.support.child_process import REPOSITORY_ROOT
from tools.gpu_evidence import transfer
from tools.gpu_evidence.carried_keras import MACHINE_DIR, install_carried_keras

SMOKE_CHUNK_BYTES = 8 * 2**10  # several chunks even for the smoke run's two small files


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gpu_evidence.py", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--prepare-transfer", action="store_true", help="(here) pack the data sets and Keras's wheels into gpu-transfer/chunk-N for the GPU machine")
    what.add_argument("--import-results", metavar="DIR", help="(here) copy the files a GPU command sent back (its $OUT) into this checkout")
    gpu_evidence.add_stage_arguments(parser, what)
    parser.add_argument("--export", metavar="DIR", help="copy what this command produced to DIR (the GPU machine's $OUT)")
    return parser


def _prepare_transfer(args) -> int:
    data_dir = gpu_evidence.data_dir(args)
    wheels = transfer.download_keras_wheels(REPOSITORY_ROOT / transfer.TRANSFER_DIR.with_name("gpu-transfer-wheels"))
    payloads = [transfer.Payload(wheel, f"{MACHINE_DIR}/wheels/{wheel.name}", compress=False) for wheel in wheels]
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
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    log = lambda text: print(text, flush=True)  # noqa: E731
    if args.prepare_transfer:
        try:
            return _prepare_transfer(args)
        except transfer.TransferError as error:
            print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
            return 1
    root = gpu_evidence.output_root(args)
    if args.import_results:
        try:
            names = transfer.unpack_products(Path(args.import_results), root)
        except transfer.TransferError as error:
            print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
            return 1
        print(f"unpacked into {root}: {len(names)} paths ({', '.join(sorted({name.split('/')[0] + '/' + name.split('/')[1] for name in names if '/' in name}))})")
        args.status = True
    try:
        if not args.smoke:
            received = transfer.receive(root / transfer.TRANSFER_DIR, root)
            if received["manifest"]:
                log(f"transfer: {len(received['verified'])} files verified, {len(received['missing'])} missing" + (f" (bring chunk(s) {', '.join(map(str, received['chunks_needed']))})" if received["missing"] else ""))
        python_path = install_carried_keras(root, log)
        if args.smoke and not args.status:
            _smoke_transfer(root, gpu_evidence.data_dir(args), log)
    except (transfer.TransferError, OSError, subprocess.CalledProcessError) as error:
        print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
        return 1
    code = gpu_evidence.run_stages(args, started, python_path, log)
    if args.export:
        try:
            parts = transfer.pack_products(root, list(pipeline.PRODUCED), Path(args.export))
        except transfer.TransferError as error:
            print(f"gpu_evidence.py: error: {error}", file=sys.stderr)
            return 1
        log(f"exported to {args.export}: {', '.join(part.name for part in parts)} (unpack here with --import-results)")
    return code


if __name__ == "__main__":
    sys.exit(main())
