"""A recipe exported as a folder of plain Lightning code: what ``scripts/export.py`` and
``scripts/port.py --standalone`` write.

``export_sources`` composes the five files from the recipe (each from its own writer in this
package, the layers' lines from their kinds); ``write_export`` writes them, and the weights as a
checkpoint the exported module loads (``weights.ckpt``), into a folder that holds nothing else.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from lightning_port.export.data_source import data_source
from lightning_port.export.losses import loss_code, metrics_code
from lightning_port.export.model_source import model_source
from lightning_port.export.module_source import module_source
from lightning_port.export.optimizers import optimizer_code
from lightning_port.export.rules_source import rules_source
from lightning_port.export.train_source import train_source
from lightning_port.layers.emit import NotExportable
from lightning_port.spec import Recipe

FILES = ("model.py", "keras_rules.py", "module.py", "data.py", "train.py")
WEIGHTS_FILE = "weights.ckpt"
# The exported module holds the model under this attribute: its state_dict keys are the
# framework backbone's, prefixed.
MODEL_ATTRIBUTE = "model"


class ExportError(ValueError):
    """A recipe or folder the exporter cannot write; the message is one line."""


@dataclass(frozen=True)
class Export:
    """The files of one export and the names the proof needs to drive them."""

    recipe: Recipe
    files: dict[str, str]  # file name -> text
    model_class: str
    module_class: str
    data_class: str
    metric_names: tuple[str, ...]
    returns_logits: bool
    noise: bool
    augmentation: bool


def export_sources(recipe: Recipe) -> Export:
    """The five files for ``recipe``; ExportError (one line) for what is not exported."""
    if not recipe.trainable:
        raise ExportError(f"{recipe.name}: the model has no compile() config (optimizer and loss): there is nothing to train")
    try:
        model = model_source(recipe)
        loss = loss_code(recipe)
        metrics = metrics_code(recipe, loss)
        optimizer_rule, optimizer_arguments = optimizer_code(recipe.optimizer)
        data = data_source(recipe)
    except NotExportable as error:
        raise ExportError(str(error)) from None
    module = module_source(recipe, model.class_name, loss, metrics, (optimizer_rule.name, optimizer_arguments), [rule.name for rule in loss.rules])
    rules = [*model.rules, *loss.rules, optimizer_rule, *data.rules]
    files = {
        "model.py": model.text,
        "keras_rules.py": rules_source(recipe.name, rules),
        "module.py": module.text,
        "data.py": data.text,
        "train.py": train_source(recipe, module.class_name, data.class_name, tuple(metrics.constructors), data.noise),
    }
    return Export(recipe, files, model.class_name, module.class_name, data.class_name, tuple(metrics.constructors), model.returns_logits, data.noise, data.augmentation)


def exported_state_dict(backbone_state: dict) -> dict:
    """The framework backbone's state_dict as the exported module's (same names, prefixed)."""
    return {f"{MODEL_ATTRIBUTE}.{name}": tensor.detach().clone() for name, tensor in backbone_state.items()}


def weights_checkpoint(backbone_state: dict) -> dict:
    """A checkpoint ``Lit<Model>.load_from_checkpoint`` reads: the weights, nothing else."""
    import lightning

    return {"state_dict": exported_state_dict(backbone_state), "pytorch-lightning_version": lightning.__version__}


def _check_folder(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory}: not a folder; choose another --output")
    if directory.is_dir():
        others = sorted(path.name for path in directory.iterdir() if path.name not in (*FILES, WEIGHTS_FILE, "__pycache__"))
        if others:
            raise ExportError(f"{directory} holds other files ({', '.join(others[:3])}); choose another --output or remove them")


def write_export(export: Export, directory: str | Path, backbone_state: dict | None = None) -> Path:
    """Write the files (and ``weights.ckpt`` from a backbone state_dict) into ``directory``,
    replacing an earlier export there; a folder holding anything else is refused."""
    directory = Path(directory)
    _check_folder(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for name, text in export.files.items():
            (scratch / name).write_text(text)
        if backbone_state is not None:
            torch.save(weights_checkpoint(backbone_state), scratch / WEIGHTS_FILE)
        if directory.exists():
            shutil.rmtree(directory)
        scratch.rename(directory)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return directory


def export_recipe(recipe: Recipe, directory: str | Path, backbone_state: dict | None = None) -> Export:
    export = export_sources(recipe)
    write_export(export, directory, backbone_state)
    return export
