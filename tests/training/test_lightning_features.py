"""Every step-level Lightning feature on the default path, each with a real Trainer.

The default run is canonical Lightning, so what a Lightning user adds to it must mean what
it means in any Lightning project: hooks per optimizer step, clipping, accumulation,
max_steps, step-based validation and checkpoints, learning-rate logging, early stopping,
weight averaging, and trainer.validate().
"""

from __future__ import annotations

import csv
import math

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint, WeightAveraging
from lightning.pytorch.loggers import CSVLogger

from lightning_port.data.datamodule import TutorialDataModule
from tests.helpers import definition, fit_in_process

SAMPLES = 500  # 16 batches of 32 (the last one of 20)
STEPS_PER_EPOCH = math.ceil(SAMPLES / 32)


class HookCounter(L.Callback):
    def __init__(self):
        self.counts = {"on_before_backward": 0, "on_after_backward": 0, "on_before_optimizer_step": 0, "on_train_batch_end": 0}

    def on_before_backward(self, trainer, module, loss):
        self.counts["on_before_backward"] += 1

    def on_after_backward(self, trainer, module):
        self.counts["on_after_backward"] += 1

    def on_before_optimizer_step(self, trainer, module, optimizer):
        self.counts["on_before_optimizer_step"] += 1

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_index):
        self.counts["on_train_batch_end"] += 1


def _fit(callbacks=(), epochs=2, **trainer_options):
    return fit_in_process("mnist_mlp", None, epochs=epochs, max_train_samples=SAMPLES, callbacks=tuple(callbacks), trainer_options=trainer_options)


@pytest.fixture(autouse=True)
def _shared_data(data_dir, monkeypatch):
    monkeypatch.setenv("LIGHTNING_PORT_DATA", str(data_dir))


def test_every_hook_runs_once_per_keras_step():
    counter = HookCounter()
    system, _ = _fit([counter])
    steps = 2 * STEPS_PER_EPOCH
    assert counter.counts == {name: steps for name in counter.counts}
    assert system.trainer.global_step == steps


def test_gradient_clipping_clips_every_step():
    class GradientNorm(L.Callback):
        norms: list[float] = []

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_index):
            # After the step, .grad holds what the optimizer used: the clipped gradient.
            grads = [p.grad for p in module.parameters() if p.grad is not None]
            self.norms.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())

    clipped, unclipped = GradientNorm(), GradientNorm()
    clipped.norms, unclipped.norms = [], []
    _fit([clipped], gradient_clip_val=0.05, gradient_clip_algorithm="norm")
    _fit([unclipped])
    assert len(clipped.norms) == 2 * STEPS_PER_EPOCH
    assert max(clipped.norms) <= 0.05 + 1e-6
    assert max(unclipped.norms) > 0.05  # the clip had something to do


def test_gradient_accumulation_steps_the_optimizer_every_second_batch():
    counter = HookCounter()
    system, _ = _fit([counter], accumulate_grad_batches=2)
    batches = 2 * STEPS_PER_EPOCH
    assert counter.counts["on_after_backward"] == batches
    assert counter.counts["on_before_optimizer_step"] == system.trainer.global_step == batches // 2


def test_max_steps_stops_exactly():
    counter = HookCounter()
    system, _ = _fit([counter], epochs=10, max_steps=7)
    assert system.trainer.global_step == 7 == counter.counts["on_before_optimizer_step"]


def test_an_integer_val_check_interval_validates_every_n_keras_steps(data_dir):
    """mnist_convnet validates on the last 10% of its training arrays (validation_split)."""

    class Validations(L.Callback):
        at: list[int] = []

        def on_validation_end(self, trainer, module):
            self.at.append(trainer.global_step)

    validations = Validations()
    validations.at = []
    # 1,000 samples: 900 train (8 batches of 128, the last of 4), 100 validate.
    fit_in_process("mnist_convnet", data_dir, epochs=1, max_train_samples=1_000, callbacks=(validations,), trainer_options={"val_check_interval": 3})
    assert validations.at == [3, 6]


def test_model_checkpoint_every_n_train_steps(tmp_path):
    checkpoint = ModelCheckpoint(dirpath=tmp_path, filename="{step}", every_n_train_steps=5, save_top_k=-1)
    _fit([checkpoint], enable_checkpointing=True)
    saved = sorted(int(path.stem.split("=")[1]) for path in tmp_path.glob("step=*.ckpt"))
    assert saved == list(range(5, 2 * STEPS_PER_EPOCH + 1, 5))


def test_learning_rate_monitor_logs_every_step(tmp_path):
    monitor = LearningRateMonitor(logging_interval="step")
    _fit([monitor], logger=CSVLogger(tmp_path, name="logs", version=""), log_every_n_steps=1)
    with open(tmp_path / "logs" / "metrics.csv") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("lr-KerasAdam")]
    assert len(rows) == 2 * STEPS_PER_EPOCH
    assert float(rows[0]["lr-KerasAdam"]) == pytest.approx(1e-3)


def test_early_stopping_and_checkpointing_on_the_validation_loss(tmp_path, data_dir):
    """val_loss is logged in on_validation_epoch_end, where EarlyStopping and ModelCheckpoint look."""
    stopping = EarlyStopping(monitor="val_loss", patience=0, min_delta=10.0)  # no epoch can improve by 10
    best = ModelCheckpoint(dirpath=tmp_path, monitor="val_loss", save_top_k=1)
    system, _ = fit_in_process(
        "mnist_convnet", data_dir, epochs=5, max_train_samples=1_000, callbacks=(stopping, best), trainer_options={"enable_checkpointing": True}
    )
    assert len(system.history) == 2 and stopping.stopped_epoch == 1  # epoch 1 sets the best, epoch 2 stops
    assert best.best_model_score is not None and best.best_model_path
    assert "val_loss" in system.history[-1]


def test_weight_averaging_averages_every_step():
    """Lightning's WeightAveraging (SWA: an equal average) updates after each optimizer step."""

    class Recorder(L.Callback):
        weights: list[list[torch.Tensor]] = []

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_index):
            self.weights.append([p.detach().clone() for p in module.parameters()])

    recorder = Recorder()
    recorder.weights = []
    averaging = WeightAveraging(use_buffers=False)
    system, _ = _fit([recorder, averaging])
    assert len(recorder.weights) == 2 * STEPS_PER_EPOCH
    expected = [torch.stack(tensors).mean(0) for tensors in zip(*recorder.weights)]
    for averaged, mean in zip(system.parameters(), expected):
        torch.testing.assert_close(averaged.detach(), mean, rtol=1e-5, atol=1e-6)


def test_trainer_validate_logs_the_validation_metrics(data_dir):
    system, datamodule = fit_in_process("mnist_convnet", data_dir, epochs=1, max_train_samples=1_000)
    results = system.trainer.validate(system, datamodule=datamodule, verbose=False)
    assert set(results[0]) == {"val_loss", "val_accuracy"}
    assert results[0]["val_loss"] > 0 and 0 <= results[0]["val_accuracy"] <= 1


def test_the_datamodule_serves_a_predict_split_without_loading_training_data(data_dir):
    datamodule = TutorialDataModule(definition("mnist_mlp", data_dir), predict_count=5)
    datamodule.setup("predict")
    assert datamodule.train_tensors is None and datamodule.raw.train is None
    (inputs, labels), = list(datamodule.predict_dataloader())
    assert labels.tolist() == [7, 2, 1, 0, 4]
