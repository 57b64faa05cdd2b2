"""A Python where only torch, lightning, torchmetrics and numpy (with what they themselves
require) can be imported: where the exported code runs for its proof and its training runs.

The interpreter starts isolated and without site-packages (``python -I -S``), so neither this
checkout, nor an editable install of lightning_port, nor Keras or TensorFlow is on its path;
its path is the export's folder and a folder of links to those four distributions' installed
packages and their dependencies' (found from their metadata, markers evaluated, extras left
out), with their metadata so version checks still work.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement

ALLOWED = ("torch", "lightning", "torchmetrics", "numpy")
# Never linked, even if a dependency's metadata named one: the point is that they are absent.
FORBIDDEN = {"lightning_port", "lightning-port", "keras", "keras_reference", "tensorflow", "tensorflow-cpu"}

# The command's bootstrap: the folder and the links first on the path, then the script run as
# __main__ with the given arguments.
_BOOTSTRAP = (
    "import runpy, sys; folder, site, script = sys.argv[1:4]; sys.path[:0] = [folder, site]; "
    "sys.argv = [script, *sys.argv[4:]]; runpy.run_path(script, run_name='__main__')"
)


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-")


@functools.cache
def distributions() -> tuple[importlib.metadata.Distribution, ...]:
    """The allowed distributions and everything they require, each once."""
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(ALLOWED)
    while pending:
        name = _canonical(pending.pop())
        if name in found or name in FORBIDDEN:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed
        found[name] = distribution
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return tuple(found.values())


def _top_level(distribution: importlib.metadata.Distribution) -> set[str]:
    """The top-level entries (packages, modules, extensions, metadata) a distribution installed."""
    entries = set()
    for file in distribution.files or []:
        parts = Path(file).parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".data"):
            continue
        if len(parts) == 1 and not parts[0].endswith((".py", ".so", ".pyd")):
            continue
        entries.add(parts[0])
    return entries


def isolated_site(parent: str | Path | None = None) -> Path:
    """A folder of links to the allowed distributions' files (made under ``parent``)."""
    site = Path(tempfile.mkdtemp(prefix="isolated-site-", dir=parent))
    for distribution in distributions():
        root = Path(distribution.locate_file(""))
        for entry in _top_level(distribution):
            if entry.split(".")[0] in FORBIDDEN or entry.split("-")[0] in FORBIDDEN:
                continue
            target = site / entry
            if not target.exists() and (root / entry).exists():
                os.symlink(root / entry, target)
    return site


def isolated_command(site: Path, folder: Path, script: Path, arguments=()) -> list[str]:
    """``python script arguments`` run from ``folder`` with only ``site`` and ``folder`` on the path
    (and no bytecode written into the folder)."""
    paths = (Path(folder).resolve(), Path(site).resolve(), Path(script).resolve())
    return [sys.executable, "-I", "-S", "-B", "-c", _BOOTSTRAP, *map(str, paths), *map(str, arguments)]


def fresh_run(folder: str | Path, arguments=(), parent: str | Path | None = None, capture: bool = False, output=None) -> subprocess.CompletedProcess:
    """Copy an exported folder into a new folder (under ``parent``, default the system's temp
    folder: outside any checkout) and run its train.py there, only the allowed distributions
    importable; its output streams through unless ``capture``, or into ``output`` (an open file)."""
    workspace = Path(tempfile.mkdtemp(prefix="fresh-export-", dir=parent))
    copy = workspace / Path(folder).name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    site = isolated_site(workspace)
    print(f"running {copy}/train.py {' '.join(map(str, arguments))} (importable: {', '.join(ALLOWED)} and their dependencies)", flush=True)
    command = isolated_command(site, copy, copy / "train.py", arguments)
    if output is not None:
        return subprocess.run(command, cwd=copy, stdout=output, stderr=subprocess.STDOUT, check=False)
    return subprocess.run(command, cwd=copy, capture_output=capture, text=capture, check=False)
