"""The tutorials' own Keras code, one module per registered recipe (named after it), plus a runner.

Importing this package does not import Keras: the backend (``KERAS_BACKEND``) must be
chosen first, which ``keras_reference.backend.select_backend`` does.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from lightning_port.spec import Recipe


def tutorial_module(recipe: Recipe) -> ModuleType:
    """The Keras reference module of a recipe, ``keras_reference/<name>.py`` (imports Keras)."""
    try:
        return importlib.import_module(f"{__name__}.{recipe.name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{recipe.name}":
            raise
        raise LookupError(f"{recipe.name} has no Keras reference module (keras_reference/{recipe.name}.py)") from None
