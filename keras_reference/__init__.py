"""The tutorials' own Keras code, one module per registered model, plus a runner.

Importing this package does not import Keras: the backend (``KERAS_BACKEND``) must be
chosen first, which ``keras_reference.backend.select_backend`` does.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from lightning_port.registry import get_recipe


def tutorial_module(name: str) -> ModuleType:
    """The Keras reference module of a registered model (imports Keras)."""
    get_recipe(name)  # unknown names fail with the registry's list of valid ones
    return importlib.import_module(f"keras_reference.{name}")
