"""Where the data sets live: ``--data-dir``, else ``$LIGHTNING_PORT_DATA``, else ``./data``."""

from __future__ import annotations

import os
from pathlib import Path

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
