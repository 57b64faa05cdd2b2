"""Where the data sets live: ``--data-dir``, else ``$LIGHTNING_PORT_DATA``, else ``./data``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from lightning_port.data.errors import DataError

DATA_DIR_ENVIRONMENT_VARIABLE = "LIGHTNING_PORT_DATA"
# Set to 1 to never try a download (tests, air-gapped machines): missing files then fail fast.
OFFLINE_ENVIRONMENT_VARIABLE = "LIGHTNING_PORT_OFFLINE"
DEFAULT_DATA_DIR = "data"


def resolve_data_root(data_dir: str | os.PathLike | None = None) -> Path:
    if data_dir:
        return Path(data_dir).expanduser()
    from_environment = os.environ.get(DATA_DIR_ENVIRONMENT_VARIABLE)
    if from_environment:
        return Path(from_environment).expanduser()
    return Path(DEFAULT_DATA_DIR)


def downloads_allowed() -> bool:
    return os.environ.get(OFFLINE_ENVIRONMENT_VARIABLE, "").strip().lower() not in ("1", "true", "yes")


def missing_files_message(dataset: str, directory: Path, missing: list[str], reason: str = "") -> str:
    fix = (
        f"pass --data-dir DIR (or set {DATA_DIR_ENVIRONMENT_VARIABLE}) to a folder that has them, "
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
