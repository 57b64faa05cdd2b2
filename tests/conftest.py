"""Shared fixtures. Tests read the real data sets from the data root; nothing is downloaded."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPOSITORY_ROOT.parent / "shared" / "data"

# Tests never download: a missing data set must fail loudly, not fetch silently.
os.environ.setdefault("LIGHTNING_PORT_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


def data_root() -> Path:
    configured = os.environ.get("LIGHTNING_PORT_DATA")
    if configured:
        return Path(configured)
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    return REPOSITORY_ROOT / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return data_root()


def keras_available() -> bool:
    try:
        import keras  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    if keras_available():
        return
    skip = pytest.mark.skip(reason="keras is not installed: pip install -e '.[keras]' (make test does)")
    for item in items:
        if "keras" in item.keywords or "parity" in item.keywords:
            item.add_marker(skip)
