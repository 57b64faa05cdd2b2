"""A recipe written back as a Python module that reads like ``lightning_port/recipes/*.py``:
the layers as a Keras ``Sequential`` lists them, the optimizer with every hyperparameter the
model was compiled with, the loss. Loading the module gives back an equal recipe (tested).
"""

from __future__ import annotations

import dataclasses
import json
import textwrap

from lightning_port.spec import Recipe


def _value(value) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _call(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # double quotes, as the recipes are written
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(_value(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _call(spec, keep: tuple[str, ...] = (), keyword_only: bool = False) -> str:
    """``Name(required..., option=value)`` with only the options that differ from the defaults
    (and those named in ``keep``), required fields positionally (unless ``keyword_only``), as a
    person would write it."""
    arguments = []
    for field in dataclasses.fields(spec):
        value = getattr(spec, field.name)
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        if not has_default:
            arguments.append(f"{field.name}={_value(value)}" if keyword_only else _value(value))
            continue
        default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
        if value != default or field.name in keep:
            arguments.append(f"{field.name}={_value(value)}")
    return f"{type(spec).__name__}({', '.join(arguments)})"


def _loss_text(recipe: Recipe) -> str:
    """A loss with Keras's defaults as compile() names it ("categorical_crossentropy"), else its spec."""
    loss = recipe.loss
    if dataclasses.is_dataclass(loss) and _call(loss).endswith("()"):
        return _value(loss.keras_name)
    return _value(loss)


def _names(recipe: Recipe) -> list[str]:
    names = {"Article", "Preprocessing", "Recipe", "ReportedResult"}
    names |= {type(layer).__name__ for layer in recipe.layers}
    for value in (recipe.optimizer, recipe.loss):
        if value is recipe.loss and not _loss_text(recipe).endswith(")"):
            continue  # written as its compile() name: nothing to import
        if dataclasses.is_dataclass(value):
            names.add(type(value).__name__)
            for field in dataclasses.fields(value):
                inner = getattr(value, field.name)
                if dataclasses.is_dataclass(inner):
                    names.add(type(inner).__name__)
    return sorted(names, key=lambda name: (name.upper() != name, name))


def recipe_source(recipe: Recipe, origin: str) -> str:
    """The module's text. ``origin``: one line saying where the model came from."""
    imports = ",\n".join(f"    {name}" for name in _names(recipe))
    layers = "\n".join(f"        {_call(layer)}," for layer in recipe.layers)
    optimizer = _call(recipe.optimizer, keep=("learning_rate",)) if recipe.optimizer is not None else "None"
    loss = _loss_text(recipe)
    notes = "".join(f"\n        {_value(note)}," for note in recipe.notes)
    notes_line = f"\n    notes=({notes}\n    )," if recipe.notes else ""
    docstring = textwrap.fill(
        f"{origin} Read by scripts/port.py: the layers and compile() settings are the file's; "
        "epochs and batch size are Keras's fit() defaults (a .keras file does not store them). "
        "Train it with scripts/train.py --recipe THIS_FILE.",
        width=96,
    )
    return f'''"""{docstring}"""

from lightning_port.spec import (
{imports},
)

RECIPE = Recipe(
    name={_value(recipe.name)},
    description={_value(recipe.description)},
    article={_call(recipe.article, keyword_only=True)},
    dataset={_value(recipe.dataset)},
    data_file={_value(recipe.data_file)},
    input_shape={_value(tuple(recipe.input_shape))},
    preprocessing={_call(recipe.preprocessing)},
    layers=(
{layers}
    ),
    optimizer={optimizer},
    loss={loss},
    epochs={recipe.epochs},
    batch_size={recipe.batch_size},
    parameter_count={recipe.parameter_count:_},
    reported=ReportedResult(),
    accuracy_target={recipe.accuracy_target!r},
    evaluate_on={_value(recipe.evaluate_on)},{notes_line}
)
'''
