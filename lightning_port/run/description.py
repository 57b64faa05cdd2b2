"""The immutable description of one run, made once by its entry point (``run.resolve``).

``RunDefinition`` is what is trained, the same fields in both frameworks so that runs
compare; ``TrainingRun`` adds how the Lightning Trainer runs it, ``KerasRun`` how the Keras
reference runs it. Every default is already filled in: nothing downstream looks a recipe up
by name or falls back to a default of its own.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.spec import Recipe

DATA_DIR_ENVIRONMENT_VARIABLE = "LIGHTNING_PORT_DATA"
DEFAULT_DATA_DIR = "data"

# Keras batches per Lightning training step (Keras: compile(steps_per_execution=...)). One,
# as in Keras: the default run is canonical Lightning, one optimizer step per training_step.
DEFAULT_STEPS_PER_EXECUTION = keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT
# What the compiled step supports: no gradient scaler (16-mixed), no whole-model casts.
COMPILED_PRECISIONS = ("32-true", "bf16-mixed")


def resolve_data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """``--data-dir``, else ``$LIGHTNING_PORT_DATA``, else ``./data``."""
    if data_dir:
        return Path(data_dir).expanduser()
    from_environment = os.environ.get(DATA_DIR_ENVIRONMENT_VARIABLE)
    if from_environment:
        return Path(from_environment).expanduser()
    return Path(DEFAULT_DATA_DIR)


@dataclass(frozen=True, kw_only=True)
class RunDefinition:
    """What is trained: identical in both frameworks for runs that are compared."""

    recipe: Recipe
    epochs: int
    batch_size: int  # per device
    seed: int
    data_root: Path
    max_train_samples: int | None = None
    holdout: float | None = None  # models scored on their training data: a stratified hold-out

    def identity(self) -> dict:
        """The fields a resumed run must keep, as JSON values (stored in run_config.json); the
        data root is where the run started: the data may move, their content is checked instead."""
        return {
            "model": self.recipe.name,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "max_train_samples": self.max_train_samples,
            "holdout": self.holdout,
            "data_dir": str(Path(self.data_root).resolve()),
        }


@dataclass(frozen=True)
class SpeedMode:
    """How Keras steps are executed; never what they compute (see training/speed_modes.py)."""

    steps_per_execution: int = DEFAULT_STEPS_PER_EXECUTION
    compile: bool = False  # one torch.compile graph per Keras step (training/compiled_step.py)

    @property
    def is_default(self) -> bool:
        """Canonical Lightning: automatic optimization, every per-step hook and option."""
        return self.steps_per_execution == 1 and not self.compile


@dataclass(frozen=True, kw_only=True)
class TrainingRun(RunDefinition):
    """A Lightning training run: the definition plus the Trainer's settings."""

    output_dir: Path
    accelerator: str = "cpu"
    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    deterministic: bool = False
    resume: bool = False
    progress_bar: bool = True
    speed: SpeedMode = field(default_factory=SpeedMode)
    recipe_file: str | None = None  # a recipe module outside the registry (e.g. one scripts/port.py wrote)
    initial_weights: Path | None = None  # start from this checkpoint's weights instead of Keras's initializers

    def as_json(self) -> dict:
        """Everything, with the recipe by name (and file, when not registered): run_config.json."""
        skip = ("recipe", "data_root", "output_dir", "speed", "initial_weights")
        values = {key: value for key, value in asdict(self).items() if key not in skip}
        weights = str(self.initial_weights) if self.initial_weights else None
        return {**self.identity(), **values, "epochs": self.epochs, "output_dir": str(self.output_dir), "initial_weights": weights, **asdict(self.speed)}


@dataclass(frozen=True, kw_only=True)
class KerasRun(RunDefinition):
    """The tutorial's own Keras code on the same definition."""

    output_dir: Path
    backend: str = "tensorflow"
    verbose: str | int = "auto"
    resume: bool = False  # continue from Keras's BackupAndRestore state in output_dir
    # Keras's own speed modes, compile(steps_per_execution=..., jit_compile=...): how steps are
    # executed, not what they compute; the tutorial's compile() settings are kept otherwise.
    steps_per_execution: int = keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT
    jit_compile: bool | str = keras_defaults.JIT_COMPILE_KERAS_DEFAULT
    # True: keras.utils.set_random_seed as is, so TensorFlow's fit replays the first epoch's
    # order in every epoch and two runs of one seed are bit-identical (checks that compare two
    # Keras runs); False: a fresh order every epoch, as the listings train
    # (keras_reference.run.seed_the_run).
    replay_epoch_order: bool = False

    def identity(self) -> dict:
        # The epoch order is part of what a run computes: a run resumed in the other order
        # would train some of its epochs one way and record the other (result.json's epoch_order).
        return {**super().identity(), "epochs": self.epochs, "backend": self.backend, "replay_epoch_order": self.replay_epoch_order}
