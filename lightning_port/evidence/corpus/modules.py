"""The corpus modules: every module of keras_reference/corpus/, found by name (adding a
tutorial is adding its module)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

CORPUS_PACKAGE = "keras_reference.corpus"
SOURCE_KEYS = ("title", "author", "url", "kind")
SOURCE_KINDS = ("Keras guide", "keras-io example", "TensorFlow tutorial")


def corpus_names() -> list[str]:
    """Every corpus module's name, sorted (importing the package does not import Keras)."""
    package = importlib.import_module(CORPUS_PACKAGE)
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_"))


def corpus_module(name: str) -> ModuleType:
    """The module (imports Keras: select its backend first)."""
    if name not in corpus_names():
        raise LookupError(f"no corpus model {name!r}; the corpus has: {', '.join(corpus_names())}")
    return importlib.import_module(f"{CORPUS_PACKAGE}.{name}")
