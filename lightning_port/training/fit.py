"""One training run with a Lightning ``Trainer``: fit, test, result.json.

``scripts/train.py`` resolves the command line into a ``TrainingRun`` and calls
``run_training``; the comparison and benchmark scripts do the same, so all of them train
exactly the same way.
"""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path

import lightning as L

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.run.description import TrainingRun
from lightning_port.run.resolve import CHECKPOINT_DIRECTORY, RUN_CONFIG_FILE, checkpoint_path, is_launched_worker
from lightning_port.support.atomic import atomic_write_json
from lightning_port.support.provenance import stamp
from lightning_port.support.results import package_versions, write_result
from lightning_port.training.speed_mode_module import build_classifier
from lightning_port.training.system import TutorialClassifier
from lightning_port.training.trainer import build_trainer, describe_device, quiet_lightning


class TrainingInterrupted(Exception):
    """Ctrl-C during fit: Lightning shut down cleanly; the message says where to resume from."""


def run_training(run: TrainingRun, extra_callbacks: tuple = ()) -> dict | None:
    """Train, checkpoint every epoch, test, and write result.json (on the global-zero process).

    Returns the result dict on global rank zero, None on the other DDP ranks.
    ``extra_callbacks`` (e.g. the benchmark's clock) are added to the Trainer's own.
    """
    started = time.perf_counter()
    quiet_lightning()
    created = not run.resume and not is_launched_worker() and not run.output_dir.exists()
    if not run.resume and not is_launched_worker():
        atomic_write_json(run.output_dir / RUN_CONFIG_FILE, run.as_json())
    try:
        return _train_and_test(run, extra_callbacks, started)
    except BaseException:
        if not run.resume and not is_launched_worker() and not checkpoint_path(run.output_dir).exists():
            _remove_unstarted_run(run.output_dir, created)
        raise


def _remove_unstarted_run(output_dir: Path, created: bool) -> None:
    """A run that failed before its first epoch was saved leaves nothing that would make the
    same command, retried (with the data now present, say), refuse to start."""
    (output_dir / RUN_CONFIG_FILE).unlink(missing_ok=True)
    shutil.rmtree(output_dir / "logs", ignore_errors=True)
    shutil.rmtree(output_dir / CHECKPOINT_DIRECTORY, ignore_errors=True)
    if created:
        shutil.rmtree(output_dir, ignore_errors=True)


def _train_and_test(run: TrainingRun, extra_callbacks: tuple, started: float) -> dict | None:
    L.seed_everything(run.seed, workers=False, verbose=False)
    datamodule = TutorialDataModule(run, steps_per_execution=run.speed.steps_per_execution)
    system = build_classifier(run.recipe, batch_size=run.batch_size, speed=run.speed)
    system.recipe_file = run.recipe_file
    if run.initial_weights is not None and not run.resume:
        # e.g. the checkpoint scripts/port.py wrote: fine-tune the ported model's weights
        system.load_state_dict(TutorialClassifier.from_checkpoint(run.initial_weights, recipe=run.recipe).state_dict())
    trainer = build_trainer(run, extra_callbacks)
    resume_from = checkpoint_path(run.output_dir) if run.resume else None
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
            last = checkpoint_path(run.output_dir)
            saved = f"the last complete epoch ({len(system.history)}) is saved in {last}" if last.exists() else "no epoch had finished, nothing was saved"
            raise TrainingInterrupted(
                f"interrupted; {saved}. Continue with: python scripts/train.py --output-dir {run.output_dir} --resume"
            ) from None
        system.evaluation_names = datamodule.evaluation_names
        trainer.test(system, datamodule=datamodule, verbose=False)
    if not trainer.is_global_zero:
        return None
    evaluations = dict(system.evaluation_results)
    test_split = datamodule.raw.test_split
    if run.recipe.evidence.exact_answers:
        from lightning_port.training.prediction import exact_answers

        evaluations[test_split] = {**evaluations[test_split], "exact_answers": exact_answers(system, *datamodule.evaluation_tensors[test_split])}
    world = trainer.world_size
    result = {
        "model": run.recipe.name,
        "framework": "lightning",
        "seed": run.seed,
        "epochs": run.epochs,
        "batch_size": run.batch_size,
        "per_device_batch_size": run.batch_size,
        "steps_per_execution": run.speed.steps_per_execution,
        "compiled": run.speed.compile,
        "effective_batch_size": run.batch_size * world,
        "world_size": world,
        "history": system.history,
        "test": {**evaluations[test_split], "split": test_split},
        "evaluations": evaluations,
        "train_samples": len(datamodule.raw.train[0]),
        "wall_time_s": time.perf_counter() - started,
        "device": describe_device(trainer),
        "accelerator": trainer.strategy.root_device.type,
        "precision": str(trainer.precision),
        "checkpoint": str(checkpoint_path(run.output_dir)),
        "versions": package_versions("torch", "lightning", "torchvision", "torchmetrics", "numpy"),
        **stamp(),
    }
    write_result(run.output_dir, result)
    return result
