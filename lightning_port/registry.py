"""The registered recipes by name: every module in ``lightning_port.recipes`` that defines
``RECIPE``. Adding a tutorial is adding its module there; the CLI, tests and reports iterate
``model_names()``.

``get_recipe`` is the one lookup by name, made by an entry point when it resolves a run;
everything below takes the ``Recipe`` object.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from lightning_port import recipes
from lightning_port.spec import Recipe

DEFAULT_MODEL = "mnist_mlp"


class UnknownModelError(KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@functools.cache
def _recipes() -> dict[str, Recipe]:
    found: dict[str, Recipe] = {}
    for module_info in sorted(pkgutil.iter_modules(recipes.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{recipes.__name__}.{module_info.name}")
        recipe = getattr(module, "RECIPE", None)
        if not isinstance(recipe, Recipe):
            raise TypeError(f"{module.__file__}: a recipe module must define RECIPE = Recipe(...)")
        if recipe.name != module_info.name:
            raise ValueError(f"{module.__file__}: RECIPE.name is {recipe.name!r}; name the module after it ({recipe.name}.py)")
        found[recipe.name] = recipe
    return found


def model_names() -> list[str]:
    return list(_recipes())


def recipes_in_order() -> list[Recipe]:
    return list(_recipes().values())


def get_recipe(name: str) -> Recipe:
    try:
        return _recipes()[name]
    except KeyError:
        valid = ", ".join(_recipes())
        raise UnknownModelError(f"unknown model {name!r}; valid names: {valid}") from None
