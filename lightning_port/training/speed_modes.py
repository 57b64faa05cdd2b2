"""Speed modes are opt-in, like Keras's own ``compile(steps_per_execution=K, jit_compile=True)``,
and refuse what they would silently break.

Under ``--steps-per-execution K`` (K > 1) one Lightning training step runs K Keras steps, and
under ``--compile`` each Keras step's backward pass and update happen inside one compiled
graph. Either way Lightning's per-step machinery no longer sees each Keras step: a hook that
counts, clips, accumulates or averages per optimizer step would run once per execution (or
not at all), and options that count batches would count executions. Rather than let such an
option mean something else, training is refused before it starts, with one line naming the
option and why. The default mode (K = 1, eager) supports all of them.
"""

from __future__ import annotations

import lightning as L
from lightning.pytorch.callbacks import Callback, LearningRateMonitor, ModelCheckpoint, ProgressBar, Timer
from lightning.pytorch.plugins.precision import MixedPrecision, Precision
from lightning.pytorch.strategies import SingleDeviceStrategy

from lightning_port.run.description import SpeedMode

# Hooks whose meaning is "once per optimizer step" (or per batch of it).
PER_STEP_HOOKS = (
    "on_before_backward",
    "on_after_backward",
    "on_before_optimizer_step",
    "on_before_zero_grad",
    "on_train_batch_start",
    "on_train_batch_end",
)


class SpeedModeConflict(ValueError):
    """A Trainer option or callback that a speed mode would silently break."""


def _mode(speed: SpeedMode) -> str:
    parts = []
    if speed.steps_per_execution > 1:
        parts.append(f"--steps-per-execution {speed.steps_per_execution}")
    if speed.compile:
        parts.append("--compile")
    return " with ".join(parts)


def _overridden_step_hooks(callback: Callback) -> list[str]:
    return [hook for hook in PER_STEP_HOOKS if getattr(type(callback), hook, None) is not getattr(Callback, hook)]


def _conflicts(trainer: L.Trainer) -> list[str]:
    found = []
    if trainer.gradient_clip_val:
        found.append(f"gradient_clip_val={trainer.gradient_clip_val}: clipping happens in Lightning's per-step optimizer hook")
    if trainer.accumulate_grad_batches != 1:
        found.append(f"accumulate_grad_batches={trainer.accumulate_grad_batches}: it accumulates Lightning steps, each of which is a whole execution")
    if trainer.max_steps != -1:
        found.append(f"max_steps={trainer.max_steps}: Lightning would count executions, not Keras steps")
    if isinstance(trainer.val_check_interval, int) or trainer.val_check_interval != 1.0:
        found.append(f"val_check_interval={trainer.val_check_interval}: it counts Lightning steps, not Keras steps")
    if trainer.limit_train_batches != 1.0:
        found.append(f"limit_train_batches={trainer.limit_train_batches}: it counts executions, not Keras batches")
    for callback in trainer.callbacks:
        name = type(callback).__name__
        if isinstance(callback, ModelCheckpoint):
            if callback._every_n_train_steps or callback._train_time_interval:
                found.append(f"{name}(every_n_train_steps / train_time_interval): it counts Lightning steps, not Keras steps")
            continue
        if isinstance(callback, LearningRateMonitor):
            if callback.logging_interval != "epoch":
                found.append(f"{name}(logging_interval={callback.logging_interval!r}): per-step logging would see one step per execution; use 'epoch'")
            continue
        if isinstance(callback, (ProgressBar, Timer)) or getattr(callback, "speed_mode_safe", False):
            continue  # display and wall-clock limits: per execution is what they mean
        hooks = _overridden_step_hooks(callback)
        if hooks:
            found.append(f"the {name} callback ({', '.join(hooks)}): it would run once per execution of several Keras steps, not once per step")
    return found


def refuse_per_step_options(trainer: L.Trainer, speed: SpeedMode) -> None:
    """Raise SpeedModeConflict (one line) if ``speed`` is not the default and the Trainer has
    an option or callback whose meaning depends on per-step calls."""
    if speed.steps_per_execution == 1 and not speed.compile:
        return
    conflicts = _conflicts(trainer)
    if conflicts:
        raise SpeedModeConflict(
            f"{_mode(speed)} refuses {conflicts[0]}"
            + (f" (and {len(conflicts) - 1} more)" if len(conflicts) > 1 else "")
            + "; drop the option, or train in the default mode"
        )


def direct_steps_allowed(trainer: L.Trainer) -> bool:
    """Whether a Keras step inside an execution may call backward() and the optimizer
    directly (or run the compiled step). On one device with no gradient scaler, Lightning's
    wrappers add only hook dispatch (refused in speed modes anyway); DDP (which prepares its
    reducer before every backward) and 16-bit scaling always go through them."""
    plugin = trainer.precision_plugin
    return (
        isinstance(trainer.strategy, SingleDeviceStrategy)
        and type(plugin) in (Precision, MixedPrecision)
        and getattr(plugin, "scaler", None) is None
    )
