"""A trained ``TutorialClassifier`` from its checkpoint, with the recipe it was trained as.

A checkpoint names its model (``support.checkpoint_files``); a model ported from a Keras file
also names the recipe module ``scripts/port.py`` wrote beside it. The checkpoint is read with
``torch.load(weights_only=True)``; a checkpoint of another model, or weights that do not fit,
are refused in one line. A checkpoint written before the backbone ran graphs (its tensors
named by position) is read with today's names (``models.legacy``).
"""

from __future__ import annotations

from pathlib import Path

from lightning_port.models.legacy import upgrade_state_dict
from lightning_port.registry import RecipeFileError, UnknownModelError, get_recipe, model_names, recipe_from_file
from lightning_port.spec import Recipe
from lightning_port.support.checkpoint_files import CheckpointError, load_checkpoint, stored_model_name
from lightning_port.training.system import TutorialClassifier


def load_trained_classifier(path, recipe: Recipe | None = None) -> TutorialClassifier:
    """The trained module in ``path``, in eval mode.

    ``recipe``: the recipe the caller already resolved (the checkpoint must be of it);
    without one, the recipe is restored by the model name stored in the checkpoint.
    """
    checkpoint = load_checkpoint(path)
    name = stored_model_name(checkpoint, path)
    if recipe is None:
        recipe = stored_recipe(checkpoint, name, path)
    elif recipe.name != name:
        raise CheckpointError(f"{path} is a {name} checkpoint, not {recipe.name}; pass a {recipe.name} checkpoint or --model {name}")
    system = TutorialClassifier(recipe, batch_size=checkpoint.get("hyper_parameters", {}).get("batch_size"))
    try:
        system.load_state_dict(upgrade_state_dict(checkpoint["state_dict"], system.backbone))
    except (KeyError, RuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"{path}: its weights do not fit {name} ({first_line})") from None
    system.history = list(checkpoint.get("history", []))
    return system.eval()


def stored_recipe(checkpoint: dict, name: str, path) -> Recipe:
    """A registered recipe by the stored name, or the recipe module a ported checkpoint names."""
    if name in model_names():
        return get_recipe(name)
    recipe_file = checkpoint.get("recipe_file")
    if not recipe_file:
        raise CheckpointError(f"{path}: {UnknownModelError(f'unknown model {name!r}; valid names: ' + ', '.join(model_names()))}")
    location = Path(recipe_file) if Path(recipe_file).is_absolute() else Path(path).parent / recipe_file
    try:
        return recipe_from_file(location)
    except RecipeFileError as error:
        raise CheckpointError(f"{path} names its recipe module {location}, which cannot be loaded: {error}") from None
