"""From what the user typed to one immutable run description, with every check done here, once.

An option the user did not type is not a request: ``None`` means "the recipe's", or on
``--resume`` "what the run was started with". Cross-option checks (hold-out, speed modes,
devices, resume identity) happen before anything is written, so a refused run leaves
nothing behind that would block the corrected command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lightning_port.registry import DEFAULT_MODEL, RecipeFileError, get_recipe, recipe_from_file
from lightning_port.run.description import (
    COMPILED_PRECISIONS,
    DATA_DIR_ENVIRONMENT_VARIABLE,
    DEFAULT_STEPS_PER_EXECUTION,
    KerasRun,
    RunDefinition,
    SpeedMode,
    TrainingRun,
    resolve_data_root,
)
from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.spec import Recipe
from lightning_port.support.checkpoint_files import load_checkpoint, stored_data_digest, stored_model_name

RUN_CONFIG_FILE = "run_config.json"
CHECKPOINT_DIRECTORY = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"


class RunConfigError(ValueError):
    """Options that conflict with each other, with the machine, or with what is on disk."""


def checkpoint_path(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / CHECKPOINT_DIRECTORY / LAST_CHECKPOINT


def is_launched_worker() -> bool:
    """A process Lightning started for DDP (it re-runs the command with LOCAL_RANK set)."""
    return int(os.environ.get("LOCAL_RANK", "0")) > 0 or int(os.environ.get("NODE_RANK", "0")) > 0


def resolve_definition(
    recipe: Recipe,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    data_dir: str | os.PathLike | None = None,
    max_train_samples: int | str | None = None,
    holdout: float | None = None,
) -> dict:
    """The definition's fields with the recipe's defaults filled in. ``max_train_samples``:
    a count, "all" (lifting the recipe's ``train_samples``), or None (the recipe's)."""
    if holdout is not None and recipe.evaluate_on != "train":
        raise RunConfigError(f"--holdout applies to models scored on their training data (pima_mlp), not {recipe.name}")
    return {
        "recipe": recipe,
        "epochs": recipe.epochs if epochs is None else epochs,
        "batch_size": recipe.batch_size if batch_size is None else batch_size,
        "seed": recipe.default_seed if seed is None else seed,
        "data_root": resolve_data_root(data_dir),
        "max_train_samples": train_samples(recipe, max_train_samples),
        "holdout": holdout,
    }


def train_samples(recipe: Recipe, requested: int | str | None) -> int | None:
    """How many training samples a run fits on: the request, else the recipe's slice."""
    if requested == "all":
        return None
    return recipe.train_samples if requested is None else requested


def check_speed_mode(speed: SpeedMode, devices, num_nodes: int, strategy: str, precision: str) -> None:
    """--compile's limits (see training/compiled_step.py)."""
    if speed.steps_per_execution < 1:
        raise RunConfigError(f"--steps-per-execution must be 1 or more, got {speed.steps_per_execution}")
    if not speed.compile:
        return
    single_device = devices == 1 and num_nodes == 1 and strategy == "auto"
    if not single_device or precision not in COMPILED_PRECISIONS:
        raise RunConfigError(
            f"--compile runs on one device with --precision {' or '.join(COMPILED_PRECISIONS)}; got --devices "
            f"{devices}, --num-nodes {num_nodes}, --strategy {strategy}, --precision {precision}: drop --compile or change those"
        )


def check_speed_mode_recipe(speed: SpeedMode, recipe: Recipe) -> None:
    """What the speed modes step: one input and one output (their executions split and
    concatenate one input tensor), and under --compile metrics the compiled step can sum
    in its graph (the loss and the accuracy)."""
    if speed.is_default:
        return
    options = " and ".join(option for option, used in (("--steps-per-execution", speed.steps_per_execution > 1), ("--compile", speed.compile)) if used)
    if len(recipe.input_shapes) > 1 or len(recipe.output_names) > 1:
        raise RunConfigError(f"{options} train models with one input and one output; {recipe.name} has {len(recipe.input_shapes)} and {len(recipe.output_names)}: drop {options}")
    if speed.compile and any(metric not in ("accuracy", "acc") for metric in recipe.metrics):
        raise RunConfigError(f"--compile sums the loss and the accuracy in its graph; {recipe.name} compiles the metrics {', '.join(recipe.metrics)}: drop --compile")
    drawing = [layer for layer in recipe.graph.walk_layers() if getattr(layer, "random_draws", False)]
    if speed.compile and drawing:
        raise RunConfigError(
            f"--compile: {recipe.name}'s {drawing[0].keras_class} layer '{drawing[0].name}' draws its augmentation from the run's seeded generator at every Keras step, "
            "which a compiled step (replayed as a CUDA graph) would freeze: drop --compile (--steps-per-execution alone keeps a draw per Keras step)"
        )


def check_devices(accelerator: str, devices) -> None:
    """Refuse a GPU request this machine cannot serve, before anything is written."""
    if accelerator not in ("gpu", "cuda", "auto"):
        return
    import torch

    visible = torch.cuda.device_count()
    if accelerator in ("gpu", "cuda") and visible == 0:
        raise RunConfigError(
            "--accelerator gpu: no CUDA device is visible on this machine; use --accelerator cpu, or auto "
            "(the default), which uses a GPU when there is one"
        )
    if visible and isinstance(devices, int) and devices > visible:
        raise RunConfigError(f"--devices {devices}: only {visible} CUDA device(s) visible; use --devices {visible} or fewer")


def _stored_config(output_dir: Path) -> dict:
    config_path = output_dir / RUN_CONFIG_FILE
    if not config_path.exists():
        raise RunConfigError(f"nothing to resume in {output_dir}: no {RUN_CONFIG_FILE} (start a run there first)")
    try:
        return json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise RunConfigError(f"{config_path}: not valid JSON ({error.msg}); it was not written by scripts/train.py") from None


def _resumed_data_dir(typed: str | None, stored: str, checkpoint: dict | None, last: Path) -> str:
    """A resumed run's data: --data-dir, else where it started if that folder still exists,
    else $LIGHTNING_PORT_DATA.

    The data are checked by content, not by path, when the checkpoint is restored
    (TutorialDataModule.load_state_dict): a data set that moved, with a checkout say, resumes
    from its new place; other data are refused there. A checkpoint without that digest
    (written before this check existed) keeps its data where they were.
    """
    if checkpoint is not None and not stored_data_digest(checkpoint):
        if typed is not None and str(resolve_data_root(typed).resolve()) != stored:
            raise RunConfigError(
                f"--resume: {last} has no digest of its data to check another copy against; "
                f"its data must stay in {stored}: drop --data-dir"
            )
        return stored
    if typed:
        return typed
    # Where it started while that place exists (a shell's $LIGHTNING_PORT_DATA may name other
    # data); the variable once the data have moved (the GPU machine sets it to its copy).
    from_environment = os.environ.get(DATA_DIR_ENVIRONMENT_VARIABLE)
    return stored if Path(stored).is_dir() or not from_environment else from_environment


def _recipe(model: str | None, recipe_file: str | None) -> Recipe:
    """The one lookup: a registered recipe by name, or the recipe module at ``recipe_file``."""
    if recipe_file:
        try:
            return recipe_from_file(recipe_file)
        except RecipeFileError as error:
            raise RunConfigError(str(error)) from None
    return get_recipe(model or DEFAULT_MODEL)


def resolve_training_run(
    *,
    output_dir: str | os.PathLike,
    model: str | None = None,
    recipe_file: str | None = None,
    initial_weights: str | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    data_dir: str | None = None,
    max_train_samples: int | str | None = None,
    holdout: float | None = None,
    resume: bool = False,
    accelerator: str = "cpu",
    devices=1,
    num_nodes: int = 1,
    strategy: str = "auto",
    precision: str = "32-true",
    deterministic: bool = False,
    progress_bar: bool = True,
    steps_per_execution: int = DEFAULT_STEPS_PER_EXECUTION,
    compile: bool = False,
) -> TrainingRun:
    """The one place a training run's recipe is looked up and its defaults are filled in.

    Every identity option left as None is the recipe's default for a new run, and the stored
    value for ``resume``; one typed with another value than the stored run's is refused. The
    data directory is the exception: it may change, and the data's content is checked instead.
    """
    output_dir = Path(output_dir)
    if model and recipe_file:
        raise RunConfigError("--model and --recipe both name a recipe: pass one")
    speed = SpeedMode(steps_per_execution=steps_per_execution, compile=compile)
    check_speed_mode(speed, devices, num_nodes, strategy, precision)
    check_devices(accelerator, devices)
    typed = {"model": model, "batch_size": batch_size, "seed": seed, "max_train_samples": max_train_samples, "holdout": holdout}
    if resume:
        stored = _stored_config(output_dir)
        for name, requested in typed.items():
            if name == "max_train_samples" and requested == "all":
                requested = None if stored.get(name) is None else requested  # the stored run fit on every sample
            if requested is not None and requested != stored.get(name):
                raise RunConfigError(
                    f"--resume: {output_dir} was trained with {name}={stored.get(name)!r}, not {requested!r}; "
                    "drop the option or choose another --output-dir"
                )
        last = checkpoint_path(output_dir)
        checkpoint = load_checkpoint(last) if last.exists() else None
        if checkpoint is not None:
            trained_as = stored_model_name(checkpoint, last)
            if trained_as != stored["model"]:
                raise RunConfigError(f"{last} holds a {trained_as} checkpoint but the run is {stored['model']}")
        recipe = _recipe(stored["model"], stored.get("recipe_file"))
        fields = resolve_definition(
            recipe,
            epochs=stored["epochs"] if epochs is None else epochs,
            batch_size=stored["batch_size"],
            seed=stored["seed"],
            data_dir=_resumed_data_dir(data_dir, stored["data_dir"], checkpoint, last),
            # stored resolved: None is every sample, which "all" keeps over a recipe's own slice
            max_train_samples="all" if stored["max_train_samples"] is None else stored["max_train_samples"],
            holdout=stored["holdout"],
        )
    else:
        if not is_launched_worker() and ((output_dir / RUN_CONFIG_FILE).exists() or checkpoint_path(output_dir).exists()):
            raise RunConfigError(f"{output_dir} already holds a run; pass --resume to continue it, or choose another --output-dir")
        recipe = _recipe(model, recipe_file)
        fields = resolve_definition(
            recipe, epochs=epochs, batch_size=batch_size, seed=seed, data_dir=data_dir,
            max_train_samples=max_train_samples, holdout=holdout,
        )
    if not recipe.trainable:
        raise RunConfigError(
            f"{recipe.name} has no optimizer or loss (its Keras file had no compile() config): add them to its recipe to train it"
        )
    check_speed_mode_recipe(speed, recipe)
    if initial_weights is not None and not Path(initial_weights).is_file():
        raise RunConfigError(f"--weights {initial_weights}: no such checkpoint file")
    return TrainingRun(
        **fields,
        output_dir=output_dir,
        recipe_file=str(Path(recipe_file).resolve()) if recipe_file else (stored.get("recipe_file") if resume else None),
        initial_weights=Path(initial_weights) if initial_weights else None,
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=precision,
        deterministic=deterministic,
        resume=resume,
        progress_bar=progress_bar,
        speed=speed,
    )


def resolve_keras_run(
    *,
    output_dir: str | os.PathLike,
    recipe: Recipe,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    data_dir: str | None = None,
    max_train_samples: int | None = None,
    holdout: float | None = None,
    backend: str = "tensorflow",
    verbose: str | int = "auto",
    resume: bool = False,
    steps_per_execution: int = keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT,
    jit_compile: bool | str = keras_defaults.JIT_COMPILE_KERAS_DEFAULT,
    replay_epoch_order: bool = False,
) -> KerasRun:
    fields = resolve_definition(
        recipe, epochs=epochs, batch_size=batch_size, seed=seed, data_dir=data_dir,
        max_train_samples=max_train_samples, holdout=holdout,
    )
    return KerasRun(
        **fields, output_dir=Path(output_dir), backend=backend, verbose=verbose, resume=resume,
        steps_per_execution=steps_per_execution, jit_compile=jit_compile, replay_epoch_order=replay_epoch_order,
    )


__all__ = [
    "CHECKPOINT_DIRECTORY", "LAST_CHECKPOINT", "RUN_CONFIG_FILE", "KerasRun", "RunConfigError", "RunDefinition",
    "TrainingRun", "checkpoint_path", "is_launched_worker", "resolve_definition", "resolve_keras_run", "resolve_training_run",
]
