"""Keras on a GPU machine that has no network: installed from the wheels a transfer chunk carried."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

MACHINE_DIR = Path(".gpu-machine")  # on the GPU machine only: received wheels, their install


def install_carried_keras(root: Path, log) -> list[str]:
    """Keras from the wheels that came in a chunk, into a folder of this machine: returns the
    folders to put on the stages' PYTHONPATH (none when Keras is already importable)."""
    site = root / MACHINE_DIR / "site"
    if importlib.util.find_spec("keras") is not None:
        return []
    if (site / "keras").is_dir():
        sys.path.insert(0, str(site))
        return [str(site)]
    wheels = sorted((root / MACHINE_DIR / "wheels").glob("*.whl"))
    if not wheels:
        return []
    log(f"installing Keras from {len(wheels)} carried wheel(s) into {site}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--target", str(site), *map(str, wheels)], check=True)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    return [str(site)]
