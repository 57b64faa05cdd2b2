"""Every layer kind, found once: each module in ``layers/kinds`` is imported and every
``LayerKind`` subclass it defines with a ``keras_class`` is registered under that name. The
backbone, the weight table, the reader and writer, the architecture rows and the conformance
table look kinds up here; adding a kind is adding its module."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

from lightning_port.layers import kinds
from lightning_port.layers.base import LayerKind
from lightning_port.layers.config import UnsupportedLayer


@functools.cache
def layer_kinds() -> dict[str, type[LayerKind]]:
    """Keras class name -> kind, in module then definition order."""
    found: dict[str, type[LayerKind]] = {}
    for module_info in sorted(pkgutil.iter_modules(kinds.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{kinds.__name__}.{module_info.name}")
        members = [member for _, member in inspect.getmembers(module, inspect.isclass) if member.__module__ == module.__name__]
        for kind in sorted(members, key=lambda member: inspect.getsourcelines(member)[1]):
            if issubclass(kind, LayerKind) and kind.keras_class:
                if kind.keras_class in found:
                    raise TypeError(f"{module.__file__}: {kind.keras_class} is already registered by {found[kind.keras_class].__module__}")
                found[kind.keras_class] = kind
    return found


def kind_for(keras_class: str, where: str = "") -> type[LayerKind]:
    """The kind of a Keras layer class, or UnsupportedLayer naming what is supported."""
    kind = layer_kinds().get(keras_class)
    if kind is None:
        prefix = f"{where}: " if where else ""
        raise UnsupportedLayer(f"{prefix}layer class {keras_class} is not supported; supported: {', '.join(layer_kinds())}")
    return kind


def kind_classes() -> dict[str, type[LayerKind]]:
    """Python class name -> kind: what ``from lightning_port.spec import NAME`` finds."""
    return {kind.__name__: kind for kind in layer_kinds().values()}
