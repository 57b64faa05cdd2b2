"""Bringing the data sets and Keras's wheels to a GPU machine that takes 64 MiB per command.

The GPU machine sees the checkout plus a few named ignored paths (64 MiB in all per command),
not ``../shared``, and keeps its files only while commands follow each other closely. So
``prepare`` (on this machine) packs every file the pipeline needs into numbered chunks under
``gpu-transfer/``, each small enough to travel beside the checkout, with a manifest of every
file's SHA-256; ``receive`` (on the GPU machine) unpacks whichever chunks arrived and keeps a
file only when its bytes hash to the manifest's value. CIFAR-10's six 31 MB batches take
several commands; MNIST and the wheels come in the first, so the MNIST stages can start
before CIFAR has arrived.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lightning_port.evidence.gpu.stages import DATA_FILES  # noqa: F401  (what a transfer carries)
from lightning_port.support.atomic import atomic_write_bytes, atomic_write_json

TRANSFER_DIR = Path("gpu-transfer")
# 64 MiB travel per command, the checkout included (a few MiB) and the pipeline's own state
# (runs/gpu-evidence: a CIFAR checkpoint of 16 MB when a training stage is cut short).
CHUNK_BYTES = 40 * 2**20
MANIFEST = "manifest.json"

# Keras 3 and what it needs beyond the GPU image (Python 3.12 with torch, lightning,
# torchvision, torchmetrics and JAX; no TensorFlow, no keras). numpy and ml_dtypes are there.
KERAS_REQUIREMENT = "keras==3.15.1"
WHEEL_PYTHON = "3.12"
# (its package list: absl-py, h5py, rich and its own needs, numpy, ml-dtypes are there; keras,
# namex and optree are not).
ALREADY_ON_THE_GPU_IMAGE = ("numpy", "ml_dtypes", "typing_extensions", "packaging", "absl_py", "h5py", "rich", "markdown_it_py", "mdurl", "pygments")


class TransferError(RuntimeError):
    pass


@dataclass(frozen=True)
class Payload:
    """One file to bring: where it comes from here, where it goes there (relative to the
    checkout), and whether it travels gzip-compressed."""

    source: Path
    destination: str
    compress: bool = True


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_keras_wheels(directory: Path) -> list[Path]:
    """Keras and its dependencies as Python 3.12 manylinux wheels, from the package registry
    (the GPU machine reaches nothing); those the GPU image already has are left out."""
    if directory.exists():
        shutil.rmtree(directory)  # one version of each wheel: two would stop the install there
    directory.mkdir(parents=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--python-version", WHEEL_PYTHON,
        "--implementation", "cp", "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
        "--platform", "manylinux2014_x86_64", "--dest", str(directory), KERAS_REQUIREMENT,
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        raise TransferError(f"could not download the Keras wheels for Python {WHEEL_PYTHON} ({lines[-1] if lines else 'pip failed'}); the package registry must be reachable")
    return sorted(path for path in directory.glob("*.whl") if not path.name.lower().startswith(ALREADY_ON_THE_GPU_IMAGE))


def plan_chunks(sizes: list[int], chunk_bytes: int) -> list[list[int]]:
    """Indices of the stored sizes, in order, a new chunk whenever the next would overflow
    this one (a file larger than a chunk gets a chunk of its own)."""
    chunks: list[list[int]] = [[]]
    used = 0
    for index, size in enumerate(sizes):
        if chunks[-1] and used + size > chunk_bytes:
            chunks.append([])
            used = 0
        chunks[-1].append(index)
        used += size
    return [chunk for chunk in chunks if chunk]


def prepare(payloads: list[Payload], transfer_dir: Path, chunk_bytes: int = CHUNK_BYTES) -> list[Path]:
    """Write ``transfer_dir/chunk-N/`` (files plus the full manifest) and return the chunks."""
    missing = [str(payload.source) for payload in payloads if not payload.source.is_file()]
    if missing:
        raise TransferError(f"cannot prepare the transfer: missing {', '.join(missing)} (point --data-dir at the shared data)")
    if transfer_dir.exists():
        shutil.rmtree(transfer_dir)
    stored_bytes = []
    for payload in payloads:
        data = payload.source.read_bytes()
        stored_bytes.append(gzip.compress(data, compresslevel=6, mtime=0) if payload.compress else data)
    chunks = plan_chunks([len(data) for data in stored_bytes], chunk_bytes)
    manifest = {"files": [], "chunks": len(chunks)}
    for number, indices in enumerate(chunks, start=1):
        for index in indices:
            payload = payloads[index]
            stored = f"chunk-{number}/files/{payload.destination}" + (".gz" if payload.compress else "")
            atomic_write_bytes(transfer_dir / stored, stored_bytes[index])
            manifest["files"].append({"destination": payload.destination, "chunk": number, "stored": stored, "bytes": payload.source.stat().st_size, "sha256": sha256(payload.source)})
    for number in range(1, len(chunks) + 1):
        atomic_write_json(transfer_dir / f"chunk-{number}" / MANIFEST, manifest)
    return [transfer_dir / f"chunk-{number}" for number in range(1, len(chunks) + 1)]


def chunk_bytes_on_disk(chunk: Path) -> int:
    return sum(path.stat().st_size for path in chunk.rglob("*") if path.is_file())


def _manifest(transfer_dir: Path) -> dict | None:
    for path in sorted(transfer_dir.glob(f"chunk-*/{MANIFEST}")):
        try:
            return json.loads(path.read_text())
        except ValueError as error:
            raise TransferError(f"{path}: not a valid manifest ({error}); send that chunk again") from None
    return None


def receive(transfer_dir: Path, root: Path) -> dict:
    """Unpack every chunk present into ``root`` and report the state of every manifest file:
    ``{"verified": [...], "missing": [...], "chunks_needed": [...]}``. A file whose bytes do not
    hash to the manifest's value is deleted and raises (the chunk must be sent again)."""
    manifest = _manifest(transfer_dir)
    if manifest is None:
        return {"verified": [], "missing": [], "chunks_needed": [], "manifest": False}
    verified, missing, needed = [], [], set()
    for entry in manifest["files"]:
        target = root / entry["destination"]
        stored = transfer_dir / entry["stored"]
        intact = _intact(target, entry)
        if not intact and stored.is_file():
            data = stored.read_bytes()
            try:
                atomic_write_bytes(target, gzip.decompress(data) if entry["stored"].endswith(".gz") else data)
            except (EOFError, OSError, zlib.error) as error:
                raise TransferError(f"{stored}: cannot be unpacked ({error}); send chunk-{entry['chunk']} again") from None
            intact = _intact(target, entry)
            if not intact:
                target.unlink()
                raise TransferError(f"{stored}: expected {entry['bytes']} bytes with SHA-256 {entry['sha256'][:12]}..., got other bytes; send chunk-{entry['chunk']} again")
        if intact:
            verified.append(entry["destination"])
        else:
            missing.append(entry["destination"])
            needed.add(entry["chunk"])
    return {"verified": verified, "missing": missing, "chunks_needed": sorted(needed), "manifest": True}


def _intact(path: Path, entry: dict) -> bool:
    return path.is_file() and path.stat().st_size == entry["bytes"] and sha256(path) == entry["sha256"]


# ---- what comes back: the GPU machine returns at most 8 files of 16 MiB, at most 2 folders down ----
ARCHIVE_NAME = "gpu-evidence-products.tar.gz"
ARCHIVE_PART_BYTES = 15 * 2**20
ARCHIVE_MAX_PARTS = 8


def pack_products(root: Path, relative_paths: list[str], destination: Path) -> list[Path]:
    """One gzip tar of the given paths under ``root``, cut into numbered parts at the top of
    ``destination`` (``ARCHIVE_NAME.part-1``, ...)."""
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / ARCHIVE_NAME
    with tarfile.open(archive, "w:gz") as tar:
        for relative in relative_paths:
            if (root / relative).exists():
                tar.add(root / relative, arcname=relative)
    data = archive.read_bytes()
    archive.unlink()
    parts = [data[offset:offset + ARCHIVE_PART_BYTES] for offset in range(0, len(data), ARCHIVE_PART_BYTES)] or [b""]
    if len(parts) > ARCHIVE_MAX_PARTS:
        raise TransferError(f"the products are {len(data) / 2**20:.0f} MiB packed, more than {ARCHIVE_MAX_PARTS} parts of {ARCHIVE_PART_BYTES // 2**20} MiB can bring back")
    paths = []
    for number, part in enumerate(parts, start=1):
        path = destination / f"{ARCHIVE_NAME}.part-{number}-of-{len(parts)}"
        path.write_bytes(part)
        paths.append(path)
    return paths


def unpack_products(source: Path, root: Path) -> list[str]:
    """Join the parts ``pack_products`` wrote in ``source`` and unpack them under ``root``;
    returns the paths unpacked."""
    parts = sorted(source.glob(f"{ARCHIVE_NAME}.part-*-of-*"), key=lambda path: int(path.name.split("part-")[1].split("-of-")[0]))
    if not parts:
        raise TransferError(f"{source} holds no {ARCHIVE_NAME}.part-N-of-M files; pass the folder a GPU command sent back")
    expected = int(parts[0].name.rsplit("-of-", 1)[1])
    if len(parts) != expected:
        raise TransferError(f"{source}: {len(parts)} of the {expected} parts of {ARCHIVE_NAME} are there; fetch the command's files again")
    joined = b"".join(part.read_bytes() for part in parts)  # the folder sent back may be read-only
    try:
        with tarfile.open(fileobj=io.BytesIO(joined), mode="r:gz") as tar:
            names = tar.getnames()
            if any(name.startswith(("/", "..")) or "/../" in name for name in names):
                raise TransferError(f"{source}: the archive names paths outside the checkout")
            tar.extractall(root, filter="data")
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise TransferError(f"{source}: {ARCHIVE_NAME} cannot be unpacked ({error}); fetch the command's files again") from None
    return names
