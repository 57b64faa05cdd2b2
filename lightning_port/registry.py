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


class RecipeFileError(ValueError):
    """A recipe module that cannot be loaded; the message is one line naming the file."""


def recipe_from_file(path) -> Recipe:
    """The RECIPE of a recipe module outside the package (e.g. one scripts/port.py wrote).

    It is imported like any Python module you run: load only files you trust."""
    import importlib.util
    from pathlib import Path

    path = Path(path)
    if not path.is_file() or path.suffix != ".py":
        raise RecipeFileError(f"{path}: no such recipe module (a .py file defining RECIPE = Recipe(...), e.g. one scripts/port.py wrote)")
    module_spec = importlib.util.spec_from_file_location(f"lightning_port_recipe_{abs(hash(str(path.resolve())))}", path)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - a broken module raises anything; report it in one line
        raise RecipeFileError(f"{path}: the recipe module failed to load ({type(error).__name__}: {error})") from None
    recipe = getattr(module, "RECIPE", None)
    if not isinstance(recipe, Recipe):
        raise RecipeFileError(f"{path}: defines no RECIPE = Recipe(...)")
    return recipe
