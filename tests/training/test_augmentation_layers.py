"""Random augmentation layers inside a model, trained the Lightning way: their draws come from
the run's own seed stream (one generator per epoch and rank, handed to the model by
EpochSeeding), so runs are reproducible, K Keras steps per Lightning step change no update,
validation sees the identity, and --compile (which would freeze the draws) is refused."""

from __future__ import annotations

import math

import lightning as L
import pytest
import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.layers.randomness import random_layers
from lightning_port.run.description import RunDefinition, SpeedMode
from lightning_port.run.resolve import RunConfigError, check_speed_mode_recipe, resolve_definition
from lightning_port.support.seeds import Stream, stream_seed
from lightning_port.training.callbacks import EpochSeeding
from lightning_port.training.speed_mode_module import build_classifier
from tests.parity.augmentation_convnet import RECIPE

SAMPLES = 13 * RECIPE.batch_size - RECIPE.batch_size // 2  # 12.5 batches: executions of 3, the last partial


class DrawRecorder(L.Callback):
    """The first random layer's generator state at each epoch start, and every batch's draws."""

    def __init__(self):
        self.states, self.flip_draws = [], []

    def on_train_epoch_start(self, trainer, module):
        self.states.append(random_layers(module)[0].generator.get_state().clone())

    def on_train_start(self, trainer, module):
        flip = random_layers(module)[0]
        original = flip.draws

        def recording(images, original=original):
            draws = original(images)
            self.flip_draws.append(draws[0].clone())
            return draws

        flip.draws = recording


def fit(data_dir, seed: int = 0, steps_per_execution: int = 1, epochs: int = 2, callbacks: tuple = ()):
    L.seed_everything(seed, verbose=False)
    run = RunDefinition(**resolve_definition(RECIPE, data_dir=data_dir, epochs=epochs, seed=seed, max_train_samples=SAMPLES))
    datamodule = TutorialDataModule(run, steps_per_execution=steps_per_execution)
    system = build_classifier(RECIPE, speed=SpeedMode(steps_per_execution=steps_per_execution))
    trainer = L.Trainer(
        max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, limit_val_batches=0, callbacks=[EpochSeeding(seed), *callbacks],
    )
    trainer.fit(system, datamodule=datamodule)
    return system


def _weights(system):
    return [parameter.detach().clone() for parameter in system.parameters()]


def test_steps_per_execution_changes_no_update_with_random_layers(data_dir):
    """One draw per Keras batch, in order, from the layers' own stream: K = 3 Keras batches per
    Lightning step train the same weights, bit for bit, as one per step."""
    single, executions = fit(data_dir), fit(data_dir, steps_per_execution=3)
    assert single.trainer.global_step == 2 * math.ceil(SAMPLES / RECIPE.batch_size)
    assert executions.trainer.global_step == 2 * math.ceil(math.ceil(SAMPLES / RECIPE.batch_size) / 3)
    assert all(torch.equal(first, second) for first, second in zip(_weights(single), _weights(executions)))
    assert [row["loss"] for row in single.history] == [row["loss"] for row in executions.history]


def test_draws_come_from_the_run_seed_stream_per_epoch(data_dir):
    recorder, again, other = DrawRecorder(), DrawRecorder(), DrawRecorder()
    first = fit(data_dir, seed=0, callbacks=(recorder,))
    second = fit(data_dir, seed=0, callbacks=(again,))
    third = fit(data_dir, seed=1, callbacks=(other,))
    for epoch, state in enumerate(recorder.states):
        expected = torch.Generator().manual_seed(stream_seed(0, Stream.LAYER_AUGMENTATION, epoch, 0)).get_state()
        assert torch.equal(state, expected), f"epoch {epoch}: the layers' generator is not the epoch's LAYER_AUGMENTATION stream"
    batches = math.ceil(SAMPLES / RECIPE.batch_size)
    assert len(recorder.flip_draws) == 2 * batches  # one draw per Keras batch: none in validation or prediction
    assert [draw.shape[0] for draw in recorder.flip_draws[:batches]] == [RECIPE.batch_size] * (batches - 1) + [SAMPLES % RECIPE.batch_size]
    assert all(torch.equal(a, b) for a, b in zip(recorder.flip_draws, again.flip_draws))
    assert all(torch.equal(a, b) for a, b in zip(_weights(first), _weights(second)))
    assert not torch.equal(recorder.flip_draws[0], other.flip_draws[0])
    assert not all(torch.equal(a, b) for a, b in zip(_weights(first), _weights(third)))


def test_evaluation_and_prediction_see_the_identity(data_dir):
    system = fit(data_dir, epochs=1)
    system.eval()
    images = torch.rand(4, 32, 32, 3) * 255
    block = system.backbone.data_augmentation
    with torch.no_grad():
        assert torch.equal(block(images), images)


def test_compile_is_refused_in_one_line():
    with pytest.raises(RunConfigError) as refused:
        check_speed_mode_recipe(SpeedMode(compile=True), RECIPE)
    message = str(refused.value)
    assert "\n" not in message and "RandomFlip" in message and "random_flip" in message and "drop --compile" in message
    check_speed_mode_recipe(SpeedMode(steps_per_execution=4), RECIPE)  # allowed: draws stay per Keras step
