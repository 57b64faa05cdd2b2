"""Speed modes are opt-in and refuse, before training, what they would silently break."""

from __future__ import annotations

import lightning as L
import pytest
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint, WeightAveraging
from lightning.pytorch.loggers import CSVLogger

from lightning_port.training.speed_modes import SpeedModeConflict
from tests.helpers import fit_in_process


class CountsBackwards(L.Callback):
    def on_after_backward(self, trainer, module):
        pass


def _refusal(tmp_path, mode: dict, callbacks=(), **trainer_options) -> str:
    with pytest.raises(SpeedModeConflict) as refused:
        fit_in_process("mnist_mlp", None, epochs=1, max_train_samples=200, callbacks=tuple(callbacks), trainer_options=trainer_options, **mode)
    message = str(refused.value)
    assert "\n" not in message and message.endswith("drop the option, or train in the default mode")
    return message


MODES = [
    pytest.param({"steps_per_execution": 4}, id="steps-per-execution"),
    pytest.param({"compile": True}, id="compile"),
    pytest.param({"steps_per_execution": 4, "compile": True}, id="compiled-block"),
]
MODE_FLAGS = {"steps-per-execution": "--steps-per-execution 4", "compile": "--compile", "compiled-block": "--steps-per-execution 4 with --compile"}
REFUSED = [
    pytest.param({"trainer_options": {"gradient_clip_val": 1.0}}, "gradient_clip_val=1.0", id="gradient_clip_val"),
    pytest.param({"trainer_options": {"accumulate_grad_batches": 2}}, "accumulate_grad_batches=2", id="accumulate_grad_batches"),
    pytest.param({"trainer_options": {"max_steps": 5}}, "max_steps=5", id="max_steps"),
    pytest.param({"trainer_options": {"val_check_interval": 3}}, "val_check_interval=3", id="val_check_interval"),
    pytest.param({"trainer_options": {"limit_train_batches": 3}}, "limit_train_batches=3", id="limit_train_batches"),
    pytest.param({"callbacks": lambda tmp: [ModelCheckpoint(dirpath=tmp, every_n_train_steps=5)], "trainer_options": {"enable_checkpointing": True}}, "every_n_train_steps", id="checkpoint-every-n-steps"),
    pytest.param({"callbacks": lambda tmp: [LearningRateMonitor(logging_interval="step")], "trainer_options": {"logger": True}}, "LearningRateMonitor", id="lr-monitor"),
    pytest.param({"callbacks": lambda tmp: [WeightAveraging()]}, "WeightAveraging", id="weight-averaging"),
    pytest.param({"callbacks": lambda tmp: [CountsBackwards()]}, "CountsBackwards callback (on_after_backward)", id="per-step-hooks"),
]


@pytest.fixture(autouse=True)
def _shared_data(data_dir, monkeypatch):
    monkeypatch.setenv("LIGHTNING_PORT_DATA", str(data_dir))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("setting, named", REFUSED)
def test_per_step_options_are_refused_before_training(setting, named, mode, tmp_path):
    callbacks = setting.get("callbacks", lambda tmp: [])(tmp_path)
    options = dict(setting.get("trainer_options", {}))
    if options.get("logger") is True:
        options["logger"] = CSVLogger(tmp_path)
    message = _refusal(tmp_path, mode, callbacks, **options)
    mode_flag = {True: "--steps-per-execution 4", False: ""}["steps_per_execution" in mode] + (" with " if len(mode) == 2 else "") + ("--compile" if mode.get("compile") else "")
    assert mode_flag in MODE_FLAGS.values()
    assert message.startswith(f"{mode_flag} refuses") and named in message, message


def test_epoch_level_callbacks_are_welcome_in_a_speed_mode(tmp_path):
    """EarlyStopping and epoch-based checkpoints and learning-rate logs mean the same per execution."""
    callbacks = (
        EarlyStopping(monitor="loss", patience=5),
        ModelCheckpoint(dirpath=tmp_path, monitor="loss"),
        LearningRateMonitor(logging_interval="epoch"),
    )
    system, _ = fit_in_process(
        "mnist_mlp", None, epochs=2, max_train_samples=200, steps_per_execution=4, callbacks=callbacks,
        trainer_options={"enable_checkpointing": True, "logger": CSVLogger(tmp_path)},
    )
    assert len(system.history) == 2


def test_the_default_mode_refuses_nothing():
    system, _ = fit_in_process("mnist_mlp", None, epochs=1, max_train_samples=200, callbacks=(CountsBackwards(),), trainer_options={"max_steps": 3, "gradient_clip_val": 1.0})
    assert system.trainer.global_step == 3
