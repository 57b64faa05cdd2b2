"""``python -m keras_reference.run``: train a tutorial's own Keras code on the shared data.

Writes ``DIR/result.json`` in the format ``scripts/train.py`` writes (framework "keras",
plus the backend) and the trained weights as ``DIR/model.weights.h5``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from keras_reference.backend import BACKENDS, BackendError, select_backend
from lightning_port.data import DataError, load_raw_splits
from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.keras_compat.metrics import canonical_name, exact_answer_rate
from lightning_port.run import arguments
from lightning_port.run.description import KerasRun
from lightning_port.run.resolve import RunConfigError, resolve_keras_run
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.provenance import stamp
from lightning_port.support.results import package_versions, write_result

WEIGHTS_FILE = "model.weights.h5"


EPOCHS_FILE = "epochs.json"  # the finished epochs' rows, rewritten after each epoch
BACKUP_DIRECTORY = "backup"  # keras.callbacks.BackupAndRestore's state (weights, optimizer, epoch)
RUN_CONFIG_FILE = "keras_run_config.json"  # beside a Lightning run_config.json, never the same file


class KerasRunConfigError(ValueError):
    """An output directory that holds another run, or nothing to resume."""


def _epoch_recorder(path: Path, rows: list[dict]):
    """A callback that records each finished epoch (Keras's logs and its wall time) in
    ``path``, atomically, so a run cut short keeps the rows of the epochs it finished."""
    import keras

    class EpochRecorder(keras.callbacks.Callback):
        """Seconds per epoch, measured as Keras's own progress bar does (validation included).
        A listing that calls fit() more than once numbers its epochs on from the earlier fits."""

        def __init__(self):
            super().__init__()
            self._fits, self._offset = 0, 0

        def on_train_begin(self, logs=None):
            # The first fit() numbers epochs from 0 (or from where BackupAndRestore resumed it);
            # a later one from where the earlier ones ended.
            self._offset = len(rows) if self._fits else 0
            self._fits += 1

        def on_epoch_begin(self, epoch, logs=None):
            self._started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch += self._offset
            row = {"epoch": epoch + 1}
            for key, value in sorted((logs or {}).items()):
                if key != "learning_rate":
                    row[canonical_name(key)] = float(value)
            row["seconds"] = time.perf_counter() - self._started
            del rows[epoch:]  # an epoch redone after a restart replaces its earlier row
            rows.append(row)
            atomic_write_json(path, rows)

    return EpochRecorder()


def evaluation_record(recipe, values) -> dict[str, float]:
    """``model.evaluate()``'s return (the loss alone, or the loss and then each compiled
    metric of a one-output model, in compile()'s order) as a dict in result.json's names."""
    if not isinstance(values, (list, tuple)):
        return {"loss": float(values)}
    names = ["loss", *recipe.output_metrics[0]]
    return {canonical_name(name): float(value) for name, value in zip(names, values)}


def exact_answers(model, inputs, targets) -> float:
    """The share of samples whose every step's predicted class (the argmax Keras's accuracy
    takes) is the one-hot target's (``Evidence.exact_answers``)."""
    predicted = model.predict(inputs, batch_size=1024, verbose=0).argmax(axis=-1)
    return exact_answer_rate(predicted, np.asarray(targets).argmax(axis=-1))


def describe_device(backend: str) -> str:
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            return getattr(device, "device_kind", device.platform)
    return f"CPU {platform.processor() or platform.machine()} ({os.cpu_count()} cores)"


def save_weights_atomically(model, directory: Path) -> Path:
    destination = directory / WEIGHTS_FILE
    temporary = directory / f".{uuid.uuid4().hex}.weights.h5"  # Keras insists on this suffix
    try:
        model.save_weights(temporary)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return destination


# Fields KerasRun.identity() gained after runs were stored without them: such a run is
# resumed without checking the field (its run_config.json cannot say what it was).
IDENTITY_FIELDS_ADDED_LATER = ("replay_epoch_order",)


def _prepare_output_dir(run: KerasRun) -> list[dict]:
    """Refuse to overwrite a run; on resume, check it is the same run. Returns the rows of
    the epochs already finished (empty for a new run)."""
    config_path = run.output_dir / RUN_CONFIG_FILE
    identity = run.identity()
    if not run.resume:
        if config_path.exists() or (run.output_dir / "result.json").exists():
            raise KerasRunConfigError(f"{run.output_dir} already holds a run; pass --resume to continue it, or choose another --output-dir")
        atomic_write_json(config_path, identity)
        return []
    if not config_path.exists():
        raise KerasRunConfigError(f"nothing to resume in {run.output_dir}: no {RUN_CONFIG_FILE} (start a run there first)")
    if run.recipe.phases:
        raise KerasRunConfigError(
            f"--resume: {run.recipe.name}'s listing calls fit() {len(run.recipe.phases)} times and Keras's BackupAndRestore "
            "restores one fit() call, so its Keras run cannot resume; start it again in another --output-dir"
        )
    stored = json.loads(config_path.read_text())
    for name, value in identity.items():
        if name in IDENTITY_FIELDS_ADDED_LATER and name not in stored:
            continue  # a run started before the field existed: its order is not known, so not checked
        if stored.get(name) != value:
            raise KerasRunConfigError(f"--resume: {run.output_dir} was trained with {name}={stored.get(name)!r}, not {value!r}")
    epochs_path = run.output_dir / EPOCHS_FILE
    return json.loads(epochs_path.read_text()) if epochs_path.exists() else []


def _apply_execution_mode(model, run: KerasRun) -> None:
    """Keras's own speed options, ``compile(steps_per_execution=K, jit_compile=...)``: the
    tutorial's model is compiled again from its own compile config with only these changed."""
    if (run.steps_per_execution, run.jit_compile) == (keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT, keras_defaults.JIT_COMPILE_KERAS_DEFAULT):
        return
    config = model.get_compile_config()
    config.update(steps_per_execution=run.steps_per_execution, jit_compile=run.jit_compile)
    model.compile_from_config(config)


def seed_the_run(seed: int, backend: str, replay_epoch_order: bool = False) -> str:
    """Seed what ``keras.utils.set_random_seed`` seeds (Python, NumPy and Keras's global seed
    generator: initial weights, dropout and random layers), then, unless
    ``replay_epoch_order``, clear TensorFlow's global seed again.

    With that global seed set, Keras 3's ``fit`` on arrays trains every epoch in the first
    epoch's order: it shuffles with ``tf.random.shuffle`` inside a ``tf.data`` map, and each
    epoch's new iterator replays the op's seeded sequence (TensorFlow issue #35682; measured on
    Keras 3.15 and TensorFlow 2.21 in tests/keras_reference/test_run_seeding.py). The listings
    seed nothing (or only NumPy, which Keras 1's ``fit`` reshuffled from every epoch), so they
    train on a fresh permutation each epoch, as the port does. The price: a TensorFlow run's
    batch order is not reproducible from its seed (its initial weights and dropout masks are).
    ``replay_epoch_order`` keeps the global seed: one order for every epoch, and two runs of a
    seed bit-identical (what a Keras program that calls ``set_random_seed`` gets).

    Returns the order ``fit`` will train in, as result.json records it: "replayed" or
    "reshuffled" (the other backends' ``fit`` reshuffles whatever the seed).
    """
    import keras

    keras.utils.set_random_seed(seed)
    if backend != "tensorflow":
        return "reshuffled"
    if replay_epoch_order:
        return "replayed"
    import tensorflow as tf

    tf.random.set_seed(None)
    return "reshuffled"


def run_reference(run: KerasRun) -> dict:
    """Train, evaluate, save weights and write result.json; returns the result.

    Every epoch ends with a backup (``keras.callbacks.BackupAndRestore``) and the epoch's row
    on disk, so ``run.resume`` continues a run that was cut short from its last finished
    epoch. Keras does not restore its random generators' state, so a resumed run continues
    validly but not bit for bit as an uninterrupted one would have.
    """
    started = time.perf_counter()
    select_backend(run.backend)
    import keras

    from keras_reference import tutorial_module

    recipe = run.recipe
    tutorial = tutorial_module(recipe)
    epoch_order = seed_the_run(run.seed, run.backend, run.replay_epoch_order)

    splits = load_raw_splits(recipe, run.data_root, run.max_train_samples, run.holdout)
    # After the data loaded: a run that fails before it starts leaves nothing to block a retry.
    rows = _prepare_output_dir(run)
    data = tutorial.prepare_data(splits)
    model = tutorial.build_model()
    _apply_execution_mode(model, run)
    callbacks = [
        # Before the backup: an epoch counts as finished only once its row is on disk.
        _epoch_recorder(run.output_dir / EPOCHS_FILE, rows),
    ]
    if not recipe.phases:
        # BackupAndRestore restores one fit() call: a listing that fits in phases cannot resume.
        callbacks.append(keras.callbacks.BackupAndRestore(str(run.output_dir / BACKUP_DIRECTORY)))
    tutorial.train(model, data, epochs=run.epochs, batch_size=run.batch_size, callbacks=callbacks, verbose=run.verbose)
    evaluations = {name: evaluation_record(recipe, values) for name, values in tutorial.evaluate(model, data).items()}
    if recipe.evidence.exact_answers:
        evaluations[splits.test_split]["exact_answers"] = exact_answers(model, *data["evaluations"][splits.test_split])

    weights = save_weights_atomically(model, run.output_dir)
    test_split = splits.test_split
    device = describe_device(run.backend)
    result = {
        "model": recipe.name,
        "framework": "keras",
        "backend": keras.backend.backend(),
        "seed": run.seed,
        "epochs": run.epochs,
        "batch_size": run.batch_size,
        "history": rows,
        "test": {**evaluations[test_split], "split": test_split},
        "evaluations": evaluations,
        "train_samples": len(splits.train[0]),
        "wall_time_s": time.perf_counter() - started,
        "resumed": run.resume,
        "device": device,
        "accelerator": "gpu" if "CPU" not in device else "cpu",
        "precision": "32-true",
        "steps_per_execution": run.steps_per_execution,
        "epoch_order": epoch_order,  # "reshuffled" every epoch, or the first epoch's "replayed"
        "jit_compile": model.jit_compile,  # as Keras resolved "auto" on this machine
        "weights": str(weights),
        "versions": package_versions("keras", BACKENDS[run.backend], "numpy"),
        **stamp(),
    }
    if recipe.reported.predictions and hasattr(tutorial, "predict_first"):
        # The tutorial's last step: build a fresh model, load the saved weights, predict. Kept
        # in result.json, which is all a run read back later (make parity's runs/full-runs) has.
        reloaded = tutorial.build_model()
        with warnings.catch_warnings():
            # The fresh model's optimizer is unbuilt, so Keras skips the saved optimizer slots.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            reloaded.load_weights(weights)
        predicted, labels = tutorial.predict_first(reloaded, data, len(recipe.reported.predictions))
        result["reloaded_predictions"] = {"predicted": predicted.tolist(), "labels": labels.tolist()}
    write_result(run.output_dir, result)
    (run.output_dir / EPOCHS_FILE).unlink(missing_ok=True)  # now part of result.json
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m keras_reference.run", description="Run a tutorial's own Keras code.")
    arguments.add_model_argument(parser, required=True)
    arguments.add_schedule_arguments(parser)
    arguments.add_data_arguments(parser)
    parser.add_argument("--output-dir", help="default: runs/<model>/keras-<timestamp>")
    parser.add_argument("--backend", choices=list(BACKENDS), default="tensorflow", help="Keras 3 backend (default: tensorflow)")
    parser.add_argument("--verbose", choices=["auto", "0", "1", "2"], default="auto", help="Keras fit verbosity")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output-dir from its last finished epoch")
    parser.add_argument("--steps-per-execution", type=arguments.positive_int, default=keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT, help="Keras compile(steps_per_execution=K) (default: 1, Keras's)")
    parser.add_argument(
        "--replay-epoch-order", action="store_true",
        help="keep TensorFlow's global seed: every epoch in the first one's order, and two runs of a seed identical (default: a fresh order each epoch, as the listings train)",
    )
    parser.add_argument("--jit-compile", choices=("auto", "true", "false"), default=keras_defaults.JIT_COMPILE_KERAS_DEFAULT, help="Keras compile(jit_compile=...) (default: auto, Keras's: XLA on a GPU only)")
    return parser


def resolve(args: argparse.Namespace, output_dir: str) -> KerasRun:
    """The command line as a run. A tutorial module's own SEED is its recipe's seed (the
    architecture parity test holds them equal), so the recipe's default seed applies."""
    from lightning_port.registry import get_recipe

    return resolve_keras_run(
        output_dir=output_dir, recipe=get_recipe(args.model), epochs=args.epochs, batch_size=args.batch_size,
        seed=args.seed, data_dir=args.data_dir, max_train_samples=args.max_train_samples, holdout=args.holdout,
        backend=args.backend, verbose=args.verbose if args.verbose == "auto" else int(args.verbose), resume=args.resume,
        steps_per_execution=args.steps_per_execution, jit_compile={"true": True, "false": False}.get(args.jit_compile, args.jit_compile),
        replay_epoch_order=args.replay_epoch_order,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resume and not args.output_dir:
        parser.error("--resume needs --output-dir (the run to continue)")
    output_dir = args.output_dir or str(Path("runs") / args.model / time.strftime("keras-%Y%m%d-%H%M%S"))
    try:
        run = resolve(args, output_dir)
        result = run_reference(run)
    except (BackendError, KerasRunConfigError, RunConfigError) as error:
        parser.error(str(error))
    except DataError as error:
        print(f"keras_reference.run: error: {error}", file=sys.stderr)
        return 1
    test = result["test"]
    figures = ", ".join(f"{name} {value:.4f}" for name, value in test.items() if name != "split")
    print(f"\n{result['model']} (Keras {result['backend']}): test {figures} (split: {test['split']})")
    if "reloaded_predictions" in result:
        reloaded = result["reloaded_predictions"]
        print(f"  reloaded weights predict {reloaded['predicted']}; labels {reloaded['labels']}")
    print(f"  result: {Path(output_dir) / 'result.json'}\n  weights: {result['weights']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
