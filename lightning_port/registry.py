"""The tutorials by name. The CLI, tests and reports iterate over ``model_names()``."""

from __future__ import annotations

from lightning_port.recipes import (
    cifar_cnn,
    mnist_mlp,
    mnist_mlp_512,
    mnist_mlp_rmsprop,
    pima_mlp,
)
from lightning_port.recipes.spec import Recipe

_RECIPES: dict[str, Recipe] = {
    module.RECIPE.name: module.RECIPE
    for module in (mnist_mlp, mnist_mlp_rmsprop, mnist_mlp_512, pima_mlp, cifar_cnn)
}

DEFAULT_MODEL = "mnist_mlp"


class UnknownModelError(KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


def model_names() -> list[str]:
    return list(_RECIPES)


def get_recipe(name: str) -> Recipe:
    try:
        return _RECIPES[name]
    except KeyError:
        valid = ", ".join(_RECIPES)
        raise UnknownModelError(f"unknown model {name!r}; valid names: {valid}") from None
