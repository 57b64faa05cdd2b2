"""Environment for the Python subprocesses the benchmark and the comparison start.

They run modules of this checkout (``-m lightning_port...``, ``-m keras_reference.run``),
which must import from the checkout even when it is not pip-installed.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def child_environment() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPOSITORY_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}
