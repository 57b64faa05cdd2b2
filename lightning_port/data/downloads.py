"""Fetching a missing data set when allowed; otherwise one line naming the folder, the files and the fix.

Where the data sets live is decided once, when a run is resolved (``run.description.resolve_data_root``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from lightning_port.data.errors import DataError

# Set to 1 to never try a download (tests, air-gapped machines): missing files then fail fast.
OFFLINE_ENVIRONMENT_VARIABLE = "LIGHTNING_PORT_OFFLINE"


def downloads_allowed() -> bool:
    return os.environ.get(OFFLINE_ENVIRONMENT_VARIABLE, "").strip().lower() not in ("1", "true", "yes")


def missing_files_message(dataset: str, directory: Path, missing: list[str], reason: str = "") -> str:
    fix = (
        "pass --data-dir DIR (or set LIGHTNING_PORT_DATA) to a folder that has them, "
        "or run once with network access so they are downloaded there"
    )
    why = f" ({reason})" if reason else ""
    return f"{dataset} not found in {directory}: missing {', '.join(missing)}{why}; {fix}"


def ensure_files(dataset: str, directory: Path, names: list[str], present: Callable[[str], bool], download: Callable[[], None]) -> None:
    """Download what is missing when allowed; otherwise (or if that fails) one clear DataError."""
    if all(present(name) for name in names):
        return
    reason = "downloads are off ($LIGHTNING_PORT_OFFLINE)"
    if downloads_allowed():
        try:
            download()
            reason = ""
        except Exception as error:  # network errors come in many types; report them all
            reason = f"download failed: {type(error).__name__}: {error}"
    missing = [name for name in names if not present(name)]
    if missing:
        raise DataError(missing_files_message(dataset, directory, missing, reason))
