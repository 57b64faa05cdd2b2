"""One training run of a recipe with a Lightning ``Trainer``: fit, test, result.json.

``scripts/train.py`` is a thin command line over ``run_training``; the comparison and
benchmark scripts call it directly, so all of them train exactly the same way.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger

from lightning_port.atomic import atomic_write_json
from lightning_port.callbacks import EpochSeeding, GracefulInterrupt, RunningMetricsProgressBar
from lightning_port.checkpoint_io import AtomicCheckpointIO
from lightning_port.datamodules import datamodule_for
from lightning_port.registry import get_recipe
from lightning_port.results import package_versions, write_result
from lightning_port.run_options import DEFAULT_STEPS_PER_EXECUTION, RunOptions
from lightning_port.system import TutorialClassifier

CHECKPOINT_DIRECTORY = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"
RUN_CONFIG_FILE = "run_config.json"

# What the compiled step supports: no gradient scaler (16-mixed), no whole-model casts.
COMPILED_PRECISIONS = ("32-true", "bf16-mixed")

# Options that define what is trained; a resumed run must keep them.
_IDENTITY_OPTIONS = ("model", "batch_size", "seed", "max_train_samples", "holdout", "data_dir")


class RunConfigError(ValueError):
    """A resume or output-directory request that conflicts with what is on disk."""


class TrainingInterrupted(Exception):
    """Ctrl-C during fit: Lightning shut down cleanly; the message says where to resume from."""


class _DropLightningTips(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Tip:" not in record.getMessage()


def _quiet_lightning() -> None:
    logging.getLogger("lightning.pytorch").addFilter(_DropLightningTips())
    for handler in logging.getLogger("lightning.pytorch").handlers:
        handler.addFilter(_DropLightningTips())
    # Epoch metrics are already summed over DDP ranks (strategy.reduce) before logging.
    warnings.filterwarnings("ignore", message=r".*when logging on epoch level in distributed setting.*")
    # Lightning 2.6 with torch 2.14 warns about its own use of a deprecated pytree API.
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


@dataclass
class TrainingOptions(RunOptions):
    accelerator: str = "cpu"
    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    deterministic: bool = False
    resume: bool = False
    progress_bar: bool = True
    channels_last: bool = False
    steps_per_execution: int = DEFAULT_STEPS_PER_EXECUTION
    compile: bool = False  # one compiled graph per Keras step (lightning_port/compiled_step.py)

    def resolved(self) -> TrainingOptions:
        """Recipe defaults filled in for everything left unset."""
        recipe = get_recipe(self.model)
        return dataclasses.replace(
            self,
            epochs=recipe.epochs if self.epochs is None else self.epochs,
            batch_size=recipe.batch_size if self.batch_size is None else self.batch_size,
            seed=recipe.default_seed if self.seed is None else self.seed,
        )


def checkpoint_path(output_dir: str | Path) -> Path:
    return Path(output_dir) / CHECKPOINT_DIRECTORY / LAST_CHECKPOINT


def checkpoint_model_name(path: str | Path) -> str:
    """The registered model a checkpoint was trained as (its hyperparameter ``model``)."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    name = checkpoint.get("model_name") or checkpoint.get("hyper_parameters", {}).get("model")
    if not name:
        raise RunConfigError(f"{path}: not a lightning-port checkpoint (no model name stored in it)")
    return name


def _is_launched_worker() -> bool:
    """A process Lightning started for DDP (it re-runs the command with LOCAL_RANK set)."""
    return int(os.environ.get("LOCAL_RANK", "0")) > 0 or int(os.environ.get("NODE_RANK", "0")) > 0


def prepare_output_dir(options: TrainingOptions) -> TrainingOptions:
    """Refuse to overwrite a finished run; on --resume, restore the run's stored options."""
    output_dir = Path(options.output_dir)
    config_path = output_dir / RUN_CONFIG_FILE
    if _is_launched_worker():
        # The launching process already validated and wrote the configuration.
        return options.resolved()
    if not options.resume:
        if config_path.exists() or checkpoint_path(output_dir).exists():
            raise RunConfigError(
                f"{output_dir} already holds a run; pass --resume to continue it, or choose another --output-dir"
            )
        options = options.resolved()
        atomic_write_json(config_path, dataclasses.asdict(options))
        return options
    if not config_path.exists():
        raise RunConfigError(f"nothing to resume in {output_dir}: no {RUN_CONFIG_FILE} (start a run there first)")
    stored = json.loads(config_path.read_text())
    for name in _IDENTITY_OPTIONS:
        requested = getattr(options, name)
        if requested is not None and requested != stored.get(name):
            raise RunConfigError(
                f"--resume: {output_dir} was trained with {name}={stored.get(name)!r}, not {requested!r}; "
                "drop the option or choose another --output-dir"
            )
    last = checkpoint_path(output_dir)
    if last.exists():
        trained_as = checkpoint_model_name(last)
        if trained_as != stored["model"]:
            raise RunConfigError(f"{last} holds a {trained_as} checkpoint but the run is {stored['model']}")
    restored = {name: stored[name] for name in _IDENTITY_OPTIONS}
    epochs = options.epochs if options.epochs is not None else stored["epochs"]
    return dataclasses.replace(options, **restored, epochs=epochs).resolved()


def check_compile_options(options: TrainingOptions) -> None:
    """--compile's limits, checked before anything is written (see compiled_step.py)."""
    if not options.compile:
        return
    single_device = options.devices == 1 and options.num_nodes == 1 and options.strategy == "auto"
    if not single_device or options.precision not in COMPILED_PRECISIONS:
        raise RunConfigError(
            f"--compile runs on one device with --precision {' or '.join(COMPILED_PRECISIONS)}; got --devices "
            f"{options.devices}, --num-nodes {options.num_nodes}, --strategy {options.strategy}, --precision "
            f"{options.precision}: drop --compile or change those"
        )


def describe_device(trainer: L.Trainer) -> str:
    device = trainer.strategy.root_device
    if device.type == "cuda":
        name = f"{torch.cuda.get_device_name(device)}"
    else:
        name = f"CPU {platform.processor() or platform.machine()} ({os.cpu_count()} cores)"
    return f"{name} x{trainer.world_size}" if trainer.world_size > 1 else name


def build_trainer(options: TrainingOptions, extra_callbacks: tuple = ()) -> L.Trainer:
    output_dir = Path(options.output_dir)
    callbacks = [
        *extra_callbacks,
        EpochSeeding(options.seed),
        GracefulInterrupt(),
        # One file, overwritten (atomically) at the end of every epoch.
        ModelCheckpoint(
            dirpath=output_dir / CHECKPOINT_DIRECTORY,
            filename=Path(LAST_CHECKPOINT).stem,
            save_top_k=1,
            monitor=None,
            save_on_train_epoch_end=True,
            enable_version_counter=False,
        ),
    ]
    if options.progress_bar:
        callbacks.append(RunningMetricsProgressBar())
    return L.Trainer(
        max_epochs=options.epochs,
        accelerator=options.accelerator,
        devices=options.devices,
        num_nodes=options.num_nodes,
        strategy=options.strategy,
        precision=options.precision,
        deterministic=options.deterministic,
        # Flushed at every logged row (we log once per epoch), so a killed run keeps its rows.
        logger=CSVLogger(output_dir, name="logs", version="", flush_logs_every_n_steps=1),
        callbacks=callbacks,
        plugins=[AtomicCheckpointIO()],
        enable_progress_bar=options.progress_bar,
        num_sanity_val_steps=0,  # Keras validates only after each epoch's training
        limit_val_batches=1.0 if get_recipe(options.model).validation_count else 0,
        default_root_dir=output_dir,
    )


def run_training(options: TrainingOptions, extra_callbacks: tuple = ()) -> dict | None:
    """Train, checkpoint every epoch, test, and write result.json (on the global-zero process).

    Returns the result dict on global rank zero, None on the other DDP ranks.
    ``extra_callbacks`` (e.g. the benchmark's clock) are added to the Trainer's own.
    """
    started = time.perf_counter()
    _quiet_lightning()
    check_compile_options(options)
    options = prepare_output_dir(options)
    recipe = get_recipe(options.model)
    L.seed_everything(options.seed, workers=False, verbose=False)
    datamodule = datamodule_for(
        recipe,
        data_dir=options.data_dir,
        batch_size=options.batch_size,
        seed=options.seed,
        max_train_samples=options.max_train_samples,
        holdout_fraction=options.holdout,
        steps_per_execution=options.steps_per_execution,
    )
    system = TutorialClassifier(options.model, batch_size=options.batch_size)
    system.compile_training_step = options.compile
    if options.channels_last:
        system = system.to(memory_format=torch.channels_last)
    trainer = build_trainer(options, extra_callbacks)
    resume_from = checkpoint_path(options.output_dir) if options.resume else None
    if resume_from is not None and not resume_from.exists():
        resume_from = None  # killed before the first epoch finished: start over
    with warnings.catch_warnings():
        # Our in-memory batches are not DataLoaders: Lightning's worker-count hints do not apply.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*isn't a `DataLoader`.*")
        try:
            trainer.fit(system, datamodule=datamodule, ckpt_path=resume_from)
        except SystemExit:
            if not trainer.interrupted:
                raise
            last = checkpoint_path(options.output_dir)
            saved = f"the last complete epoch ({len(system.history)}) is saved in {last}" if last.exists() else "no epoch had finished, nothing was saved"
            raise TrainingInterrupted(
                f"interrupted; {saved}. Continue with: python scripts/train.py --output-dir {options.output_dir} --resume"
            ) from None
        system.evaluation_names = datamodule.evaluation_names
        trainer.test(system, datamodule=datamodule, verbose=False)
    if not trainer.is_global_zero:
        return None
    evaluations = dict(system.evaluation_results)
    test_split = datamodule.raw.test_split
    world = trainer.world_size
    result = {
        "model": recipe.name,
        "framework": "lightning",
        "seed": options.seed,
        "epochs": options.epochs,
        "batch_size": options.batch_size,
        "per_device_batch_size": options.batch_size,
        "steps_per_execution": options.steps_per_execution,
        "compiled": options.compile,
        "effective_batch_size": options.batch_size * world,
        "world_size": world,
        "history": system.history,
        "test": {**evaluations[test_split], "split": test_split},
        "evaluations": evaluations,
        "train_samples": len(datamodule.raw.train[0]),
        "wall_time_s": time.perf_counter() - started,
        "device": describe_device(trainer),
        "accelerator": trainer.strategy.root_device.type,
        "precision": str(trainer.precision),
        "checkpoint": str(checkpoint_path(options.output_dir)),
        "versions": package_versions("torch", "lightning", "torchvision", "numpy"),
    }
    write_result(options.output_dir, result)
    return result
