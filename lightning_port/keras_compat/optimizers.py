"""Keras 3's optimizers and learning-rate schedules as ``torch.optim.Optimizer`` subclasses.

No setting of the ``torch.optim`` classes reproduces Keras. For example:

* Keras Adam folds both bias corrections into the step size and adds epsilon to the
  *un-corrected* ``sqrt(v)``; torch adds it to the bias-corrected ``sqrt(v_hat)``.
* Keras RMSprop, Adagrad and Adadelta put epsilon *inside* the square root; torch adds it
  outside. Keras Adagrad's accumulators start at 0.1; torch's at 0.
* Keras SGD keeps ``-lr * velocity`` as its momentum buffer; Keras Nadam uses a fixed 0.96
  momentum-decay schedule; Keras Adamax adds epsilon to the norm, outside the max.
* Keras's ``weight_decay`` is decoupled (``w -= w * wd * lr`` before the update) for every
  optimizer; torch's is an L2 term added to the gradient except in AdamW.

Each ``apply_update`` follows one Keras ``optimizer.apply(grads)`` on the TensorFlow backend
(``keras/src/optimizers/base_optimizer.py``, ``_backend_apply_gradients``): clip the
gradients, decay the weights, then the optimizer's ``update_step`` from its own file under
``keras/src/optimizers/``, operation for operation in the variables' dtype (same order of
multiplies and divides, scalars rounded the way Keras casts them), so a step agrees with
Keras to float32 rounding. The learning rate at a step is the schedule at Keras's
``iterations``: the number of steps taken before it.

An Embedding's gradient reaches Keras's optimizers as one row per looked-up token: where a
rule squares the gradient (or takes its absolute value) it does so row by row before a token's
rows are summed (``ops.token_gradients``), and so do these, from the sums the port's Embedding
leaves on its weight.

The port assumes Keras's ``floatx`` is the variables' dtype (as when a float32 model trains
in float32, or a float64 model is built with ``floatx="float64"``): the float learning rate
is a ``floatx`` variable in Keras.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import functools
import math

import numpy as np
import torch

from lightning_port.ops import token_gradients

from lightning_port.spec import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    CosineDecay,
    ExponentialDecay,
    LearningRateScheduleSpec,
    Nadam,
    OptimizerSpec,
    PiecewiseConstantDecay,
    RMSprop,
)


class UnsupportedOptimizerOption(ValueError):
    """A Keras optimizer, schedule or option the port cannot reproduce (one line naming it)."""


# ---- scalar arithmetic as TensorFlow's CPU kernels do it ----


@functools.cache
def _c_math_library():
    """The C math library TensorFlow's scalar kernels call (Eigen's scalar path uses std::pow
    and std::cos), with powf and cosf declared; None where none can be loaded."""
    path = ctypes.util.find_library("m")
    if path is None:
        return None
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    library.powf.restype, library.powf.argtypes = ctypes.c_float, [ctypes.c_float, ctypes.c_float]
    library.cosf.restype, library.cosf.argtypes = ctypes.c_float, [ctypes.c_float]
    return library


def _power(base, exponent, real):
    """base ** exponent in ``real`` (np.float32 or np.float64) as ``tf.pow`` computes a scalar:
    with the C library's pow/powf. numpy's own float32 power (vectorised) differs from powf in
    the last bit for ~20% of arguments, e.g. 0.9 ** 4 and 0.999 ** 9."""
    if real is np.float64:
        return np.float64(math.pow(base, exponent))  # CPython's math.pow is the C library's pow
    library = _c_math_library()
    if library is None:  # the correctly rounded value, which powf gives for ~99.9% of arguments
        return np.float32(math.pow(float(base), float(exponent)))
    return np.float32(library.powf(float(base), float(exponent)))


def _cosine32(value: np.float32) -> np.float32:
    """cos in float32 as ``tf.cos`` computes a scalar: the C library's cosf (numpy's float32 cos
    is its own SIMD routine and differs from it in the last bit for ~15% of arguments)."""
    library = _c_math_library()
    if library is None:  # the correctly rounded value, which cosf gives for ~98% of arguments
        return np.float32(math.cos(float(value)))
    return np.float32(library.cosf(float(value)))


def _through_float32(value: float, real):
    """``ops.cast(python_float, dtype)`` on TensorFlow: ``tf.cast`` first makes a float32 tensor
    of the Python float, so the value is float32-rounded even for float64 variables."""
    return real(np.float32(value))


def _real_type_of(tensor: torch.Tensor):
    """The numpy scalar type Keras computes a variable's scalars in: its dtype (float32 for
    anything narrower, which numpy cannot hold)."""
    return np.float64 if tensor.dtype == torch.float64 else np.float32


def _real_type(group: dict):
    """The scalar type of the group's variables (one dtype per group)."""
    return _real_type_of(group["params"][0])


# ---- learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py) ----
# Keras on TensorFlow evaluates them in float32 whatever floatx is: each starts from
# ``ops.convert_to_tensor(python_float)``, a float32 tensor. ``update_step`` then casts the rate
# to the variables' dtype.

_F32 = np.float32


def _exponential_decay(schedule: ExponentialDecay, iterations: int) -> np.float32:
    # ExponentialDecay.__call__: lr * decay_rate ** p, p = step / decay_steps (floored if staircase).
    progress = _F32(iterations) / _F32(schedule.decay_steps)
    if schedule.staircase:
        progress = np.floor(progress)
    return _F32(schedule.initial_learning_rate) * _power(_F32(schedule.decay_rate), progress, np.float32)


def _piecewise_constant_decay(schedule: PiecewiseConstantDecay, iterations: int) -> np.float32:
    # PiecewiseConstantDecay.__call__: values[0] while step <= boundaries[0], values[i] while
    # boundaries[i-1] < step <= boundaries[i], values[-1] after the last boundary. Its sum of
    # indicator * value adds zeros to the one selected float32 value: exactly that value.
    for boundary, value in zip(schedule.boundaries, schedule.values):
        if iterations <= int(boundary):  # boundaries are cast to the int64 step's dtype
            return _F32(value)
    return _F32(schedule.values[-1])


def _cosine_decayed(schedule: CosineDecay, step, decay_steps, decay_from) -> np.float32:
    # CosineDecay._decay_function: decay_from * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha).
    completed_fraction = step / decay_steps
    cosine_decayed = _F32(0.5) * (_F32(1.0) + _cosine32(_F32(math.pi) * completed_fraction))
    decayed = _F32(1 - schedule.alpha) * cosine_decayed + _F32(schedule.alpha)
    return decay_from * decayed


def _cosine_decay(schedule: CosineDecay, iterations: int) -> np.float32:
    # CosineDecay.__call__: a linear warmup from the initial rate to warmup_target (when set),
    # then the cosine decay from there; the step is held at the end of the decay.
    initial_learning_rate = _F32(schedule.initial_learning_rate)
    decay_steps = _F32(schedule.decay_steps)
    step = _F32(iterations)
    if schedule.warmup_target is None:
        return _cosine_decayed(schedule, min(step, decay_steps), decay_steps, initial_learning_rate)
    warmup_target, warmup_steps = _F32(schedule.warmup_target), _F32(schedule.warmup_steps)
    step = min(step, decay_steps + warmup_steps)
    if step < warmup_steps:  # CosineDecay._warmup_function
        return (warmup_target - initial_learning_rate) * (step / warmup_steps) + initial_learning_rate
    return _cosine_decayed(schedule, step - warmup_steps, decay_steps, warmup_target)


_SCHEDULES = {
    ExponentialDecay: _exponential_decay,
    PiecewiseConstantDecay: _piecewise_constant_decay,
    CosineDecay: _cosine_decay,
}


def scheduled_learning_rate(schedule: LearningRateScheduleSpec, iterations: int) -> np.float32:
    """The schedule's learning rate after ``iterations`` steps, as Keras on TensorFlow computes it."""
    return _SCHEDULES[type(schedule)](schedule, iterations)


# ---- what every Keras optimizer does around its update (base_optimizer.py) ----


def _squared_sums(grads: list, rows: list) -> list:
    """sum(g * g) per tensor; an Embedding's over its looked-up rows (``ops.token_gradients``),
    as TensorFlow sums the values of an IndexedSlices."""
    plain = [torch.sum(square) for square in torch._foreach_mul(grads, grads)]
    return [value if found is None else torch.sum(found.rows * found.rows) for value, found in zip(plain, rows)]


def _clip_by_norm(grads: list, clipnorm: float, rows: list) -> tuple[list, list]:
    # tf.clip_by_norm (the TF backend's _clip_by_norm), each tensor on its own:
    # g * clipnorm / max(sqrt(sum(g * g)), clipnorm). Its where() guard against a zero norm
    # only protects the gradient of the clip; the value is sqrt(0) = 0 either way.
    norms = torch._foreach_sqrt(_squared_sums(grads, rows))
    denominators = torch._foreach_maximum(norms, clipnorm)
    clipped = torch._foreach_mul(grads, clipnorm)
    torch._foreach_div_(clipped, denominators)
    return clipped, [None if found is None else found.scaled(clipnorm / denominator) for found, denominator in zip(rows, denominators)]


def _clip_by_global_norm(grads: list, clipnorm: float, rows: list) -> tuple[list, list]:
    # base_optimizer.clip_by_global_norm: norm = sqrt(sum(stack(sum(g * g) for each g)));
    # scale = clipnorm * min(1 / norm, 1 / clipnorm) + (norm - norm), NaN for a non-finite norm.
    squared_norm = torch.stack(_squared_sums(grads, rows)).sum()
    norm = torch.sqrt(squared_norm)
    scale = torch.clamp_max(1.0 / norm, 1.0 / clipnorm) * clipnorm + (norm - norm)
    # `v * scale` turns an IndexedSlices into a dense tensor (its rows summed): after this clip
    # an Embedding's gradient is squared whole, like any other.
    return torch._foreach_mul(grads, scale), [None] * len(grads)


def _clip_by_value(grads: list, clipvalue: float, rows: list) -> tuple[list, list]:
    # ops.clip(g, -v, v) -> tf.clip_by_value: max(min(g, v), -v); an Embedding's row by row,
    # then summed per token.
    clipped = torch._foreach_clamp_max(grads, clipvalue)
    torch._foreach_clamp_min_(clipped, -clipvalue)
    rows = [None if found is None else found.clipped(clipvalue) for found in rows]
    return [value if found is None else found.summed() for value, found in zip(clipped, rows)], rows


def clipped_gradients(group: dict, grads: list, rows: list | None = None) -> tuple[list, list]:
    """BaseOptimizer._clip_gradients: clipnorm, else global_clipnorm, else clipvalue (Keras
    allows one), each only when set and positive; new tensors, the gradients stay as they are.
    ``rows``: per gradient, an Embedding's rows per looked-up token (``ops.token_gradients``)
    or None; returned clipped as Keras clips them."""
    rows = rows if rows is not None else [None] * len(grads)
    clipnorm, global_clipnorm, clipvalue = (group.get(key) for key in ("clipnorm", "global_clipnorm", "clipvalue"))
    if clipnorm and clipnorm > 0:
        return _clip_by_norm(grads, clipnorm, rows)
    if global_clipnorm and global_clipnorm > 0:
        return _clip_by_global_norm(grads, global_clipnorm, rows)
    if clipvalue and clipvalue > 0:
        return _clip_by_value(grads, clipvalue, rows)
    return grads, rows


def apply_weight_decay(params: list, weight_decay, learning_rate) -> None:
    """The TF backend's ``_apply_weight_decay`` (keras/src/backend/tensorflow/optimizer.py):
    ``variable -= variable * wd * lr`` before the update step, ``wd`` float32-rounded by
    ``tf.cast``. Keras exempts only variables named to ``exclude_from_weight_decay()``, which is
    not part of ``get_config()``: here a parameter group with ``weight_decay=None`` opts out."""
    decays = torch._foreach_mul(params, weight_decay)
    torch._foreach_mul_(decays, learning_rate)
    torch._foreach_sub_(params, decays)


# The key of an update's scalars under which each gradient's rows per token (or None) come.
TOKEN_ROWS = "token_rows"


def squares(grads: list, rows: list) -> list:
    """g^2 per parameter, as Keras's ``ops.square(gradient)`` gives it: an Embedding's rows
    squared before a token's are summed (``ops.token_gradients``)."""
    plain = torch._foreach_mul(grads, grads)
    return [value if found is None else found.squares() for value, found in zip(plain, rows)]


def absolutes(grads: list, rows: list) -> list:
    """|g| per parameter, as Keras's ``ops.abs(gradient)`` gives it (an Embedding's rows first)."""
    plain = torch._foreach_abs(grads)
    return [value if found is None else found.absolutes() for value, found in zip(plain, rows)]


def _move_towards_(averages: list, values: list, weight) -> None:
    """averages += (values - averages) * weight: Keras's ``assign_add(m, (g - m) * (1 - beta))``."""
    differences = torch._foreach_sub(values, averages)
    torch._foreach_mul_(differences, weight)
    torch._foreach_add_(averages, differences)


def _decay_towards_(averages: list, values: list, rho: float) -> None:
    """averages = rho * averages + (1 - rho) * values: Keras's RMSprop/Adadelta accumulators."""
    scaled = torch._foreach_mul(values, 1 - rho)
    torch._foreach_mul_(averages, rho)
    torch._foreach_add_(averages, scaled)


class _KerasOptimizer(torch.optim.Optimizer):
    """Shared plumbing: the spec's hyperparameters as the param group, per-step state, the
    step's scalars on the host, and Keras's clip -> weight decay -> update order.

    The update itself is ``apply_update``, a function of tensors only (the step's scalars may be
    0-d tensors), so the compiled training step (``lightning_port.training.compiled_step``)
    runs the very same arithmetic inside its graph.
    """

    # Whether the update squares (or takes the size of) each gradient, which Keras does to an
    # Embedding's gradient row by row per looked-up token (``ops.token_gradients``).
    squares_gradients = True

    def __init__(self, params, spec: OptimizerSpec):
        _check_spec(spec)
        self.spec = spec
        schedule = spec.learning_rate if isinstance(spec.learning_rate, tuple(_SCHEDULES)) else None
        self.learning_rate_schedule = schedule
        # "lr" is torch's (and Lightning's LearningRateMonitor's) name; with a schedule it holds
        # the starting rate, the schedule itself stays out of the group (and the compiled graph).
        rate = spec.learning_rate if schedule is None else float(scheduled_learning_rate(schedule, 0))
        hyperparameters = {field.name: getattr(spec, field.name) for field in dataclasses.fields(spec)}
        del hyperparameters["learning_rate"]
        super().__init__(params, {"lr": rate, **hyperparameters})

    # -- what each optimizer defines --

    def _initial_state(self, parameter: torch.Tensor, group: dict) -> dict:
        return {}

    def _advance_state(self, state: dict, group: dict, parameter: torch.Tensor) -> None:
        """Host-side state Keras updates once per step before the update (Nadam's u_product)."""

    def _update_scalars(self, group: dict, states: list, step: int, learning_rate, real) -> dict:
        """The optimizer's own per-step scalars (Adam's alpha), as ``real`` values."""
        return {}

    def update_step(self, group: dict, params: list, grads: list, states: list, scalars: dict) -> None:
        raise NotImplementedError

    # -- the shared step --

    def prepared_states(self, group: dict, params: list) -> list[dict]:
        """Each parameter's state, created on first use, with its step count advanced."""
        states = [self.state[p] for p in params]
        for parameter, state in zip(params, states):
            if not state:
                state.update({"step": 0, **self._initial_state(parameter, group)})
            state["step"] = state.get("step", 0) + 1  # Keras's iterations + 1
            self._advance_state(state, group, parameter)
        return states

    def step_size(self, group: dict, states: list) -> dict[str, float]:
        """The step's scalars, computed on the host in the variables' dtype as Keras casts them:
        the learning rate (the schedule at Keras's ``iterations``, the steps taken before this
        one), the float32-rounded weight decay, and the optimizer's own (Adam's alpha). The
        compiled step feeds them to ``apply_update`` as 0-d tensors, so they may change every
        step without recompiling."""
        real = _real_type(group)
        step = states[0]["step"]
        if self.learning_rate_schedule is not None:
            learning_rate = real(scheduled_learning_rate(self.learning_rate_schedule, step - 1))
        else:
            learning_rate = real(group["lr"])  # Keras's floatx learning-rate variable
        scalars = {"learning_rate": learning_rate}
        if group.get("weight_decay") is not None:
            scalars["weight_decay"] = _through_float32(group["weight_decay"], real)
        scalars.update(self._update_scalars(group, states, step, learning_rate, real))
        return {name: float(value) for name, value in scalars.items()}

    def reads_token_rows(self) -> bool:
        """Whether a step reads an Embedding's gradient rows per looked-up token: to square
        them, or to clip them (every clipping option clips them as Keras clips its IndexedSlices)."""
        clipping = any(group.get(key) for group in self.param_groups for key in ("clipnorm", "global_clipnorm", "clipvalue"))
        return self.squares_gradients or clipping

    def apply_update(self, group: dict, params: list, grads: list, states: list, step_size: dict) -> None:
        """One Keras ``apply`` (``_backend_apply_gradients``): clip, decay, update."""
        grads, rows = clipped_gradients(group, grads, [token_gradients.token_rows(parameter) for parameter in params])
        if group.get("weight_decay") is not None:
            apply_weight_decay(params, step_size["weight_decay"], step_size["learning_rate"])
        # The token sums ride with the step's scalars: update_step stays a function of its arguments.
        self.update_step(group, params, grads, states, {**step_size, TOKEN_ROWS: rows})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            states = self.prepared_states(group, params)
            self.apply_update(group, params, [p.grad for p in params], states, self.step_size(group, states))
        return loss


def _check_spec(spec: OptimizerSpec) -> None:
    """What Keras's constructors refuse (base_optimizer.py, adamw.py), refused the same way."""
    clips = [name for name in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(spec, name) is not None]
    if len(clips) > 1:
        message = f"{type(spec).__name__}: only one of clipnorm, clipvalue and global_clipnorm can be set, got {clips}"
        raise ValueError(message)
    if isinstance(spec, AdamW) and spec.weight_decay is None:
        raise ValueError("AdamW: weight_decay must be a float, got None")


class KerasSGD(_KerasOptimizer):
    """keras/src/optimizers/sgd.py."""

    squares_gradients = False  # gradient * learning rate, plus momentum

    def _initial_state(self, parameter, group):
        return {"momentum": torch.zeros_like(parameter)} if group["momentum"] != 0 else {}

    def _update_scalars(self, group, states, step, learning_rate, real):
        return {"momentum": _through_float32(group["momentum"], real)}  # ops.cast(self.momentum, dtype)

    def update_step(self, group, params, grads, states, scalars):
        steps = torch._foreach_mul(grads, scalars["learning_rate"])  # gradient * lr
        if group["momentum"] == 0:
            torch._foreach_sub_(params, steps)
            return
        momentum = scalars["momentum"]
        velocities = [state["momentum"] for state in states]
        # m = m * momentum - gradient * lr
        torch._foreach_mul_(velocities, momentum)
        torch._foreach_sub_(velocities, steps)
        if group["nesterov"]:
            # variable += m * momentum - gradient * lr, with the new m
            look_ahead = torch._foreach_mul(velocities, momentum)
            torch._foreach_sub_(look_ahead, steps)
            torch._foreach_add_(params, look_ahead)
        else:
            torch._foreach_add_(params, velocities)


class KerasAdam(_KerasOptimizer):
    """keras/src/optimizers/adam.py."""

    def _initial_state(self, parameter, group):
        state = {"momentum": torch.zeros_like(parameter), "velocity": torch.zeros_like(parameter)}
        if group["amsgrad"]:
            state["velocity_hat"] = torch.zeros_like(parameter)
        return state

    def _update_scalars(self, group, states, step, learning_rate, real):
        # alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), computed in the variables' dtype as
        # Keras casts it (float32 for these models). ops.cast(self.beta_1, dtype) on TensorFlow
        # goes through a float32 tensor, so the betas are float32-rounded even for float64 variables.
        beta_1_power = _power(_through_float32(group["beta_1"], real), real(step), real)
        beta_2_power = _power(_through_float32(group["beta_2"], real), real(step), real)
        return {"alpha": learning_rate * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)}

    def update_step(self, group, params, grads, states, scalars):
        alpha = scalars["alpha"]
        momentums = [state["momentum"] for state in states]
        velocities = [state["velocity"] for state in states]
        # m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2). torch's lerp computes
        # these with a fused multiply-add (one rounding fewer than Keras's, last bit only); kept
        # as the parity suite measured it.
        torch._foreach_lerp_(momentums, grads, 1 - group["beta_1"])
        torch._foreach_lerp_(velocities, squares(grads, scalars[TOKEN_ROWS]), 1 - group["beta_2"])
        if group["amsgrad"]:
            velocity_hats = [state["velocity_hat"] for state in states]
            torch._foreach_maximum_(velocity_hats, velocities)
            velocities = velocity_hats
        # var -= (m * alpha) / (sqrt(v) + epsilon)
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, group["epsilon"])
        updates = torch._foreach_mul(momentums, alpha)
        torch._foreach_div_(updates, denominators)
        torch._foreach_sub_(params, updates)


class KerasAdamW(KerasAdam):
    """keras/src/optimizers/adamw.py: Adam's update step; the decay is the base optimizer's."""


class KerasRMSprop(_KerasOptimizer):
    """keras/src/optimizers/rmsprop.py."""

    def _initial_state(self, parameter, group):
        state = {"velocity": torch.zeros_like(parameter)}
        if group["momentum"] > 0:
            state["momentum"] = torch.zeros_like(parameter)
        if group["centered"]:
            state["average_gradient"] = torch.zeros_like(parameter)
        return state

    def update_step(self, group, params, grads, states, scalars):
        rho = group["rho"]
        velocities = [state["velocity"] for state in states]
        # velocity = rho * velocity + (1 - rho) * g^2
        _decay_towards_(velocities, squares(grads, scalars[TOKEN_ROWS]), rho)
        if group["centered"]:
            averages = [state["average_gradient"] for state in states]
            _decay_towards_(averages, grads, rho)
            # denominator = velocity - average^2 + epsilon
            denominators = torch._foreach_sub(velocities, torch._foreach_mul(averages, averages))
            torch._foreach_add_(denominators, group["epsilon"])
        else:
            denominators = torch._foreach_add(velocities, group["epsilon"])
        # increment = (lr * g) / sqrt(denominator): epsilon inside the root
        torch._foreach_sqrt_(denominators)
        increments = torch._foreach_mul(grads, scalars["learning_rate"])
        torch._foreach_div_(increments, denominators)
        if group["momentum"] > 0:
            buffers = [state["momentum"] for state in states]
            torch._foreach_mul_(buffers, group["momentum"])
            torch._foreach_add_(buffers, increments)
            increments = buffers
        torch._foreach_sub_(params, increments)


class KerasAdagrad(_KerasOptimizer):
    """keras/src/optimizers/adagrad.py."""

    def _initial_state(self, parameter, group):
        # initializers.Constant(value): ops.cast(value, dtype) * ones, so float32-rounded.
        start = float(_through_float32(group["initial_accumulator_value"], _real_type_of(parameter)))
        return {"accumulator": torch.full_like(parameter, start)}

    def update_step(self, group, params, grads, states, scalars):
        accumulators = [state["accumulator"] for state in states]
        # accumulator += g^2;  var -= (lr * g) / sqrt(accumulator + epsilon)
        torch._foreach_add_(accumulators, squares(grads, scalars[TOKEN_ROWS]))
        denominators = torch._foreach_add(accumulators, group["epsilon"])
        torch._foreach_sqrt_(denominators)
        steps = torch._foreach_mul(grads, scalars["learning_rate"])
        torch._foreach_div_(steps, denominators)
        torch._foreach_sub_(params, steps)


class KerasAdadelta(_KerasOptimizer):
    """keras/src/optimizers/adadelta.py."""

    def _initial_state(self, parameter, group):
        return {"accumulated_grad": torch.zeros_like(parameter), "accumulated_delta_var": torch.zeros_like(parameter)}

    def update_step(self, group, params, grads, states, scalars):
        rho, epsilon = group["rho"], group["epsilon"]
        accumulated_grads = [state["accumulated_grad"] for state in states]
        accumulated_deltas = [state["accumulated_delta_var"] for state in states]
        _decay_towards_(accumulated_grads, squares(grads, scalars[TOKEN_ROWS]), rho)
        # delta = -(rms(accumulated_delta) * g / rms(accumulated_grad)), rms(x) = sqrt(x + epsilon)
        deltas = torch._foreach_add(accumulated_deltas, epsilon)
        torch._foreach_sqrt_(deltas)
        torch._foreach_mul_(deltas, grads)
        grad_rms = torch._foreach_add(accumulated_grads, epsilon)
        torch._foreach_sqrt_(grad_rms)
        torch._foreach_div_(deltas, grad_rms)
        torch._foreach_neg_(deltas)
        delta_squares = list(torch._foreach_mul(deltas, deltas))
        for index, found in enumerate(scalars[TOKEN_ROWS]):
            if found is not None:
                # Keras squares each token row of delta = -(rms(delta) / rms(g)) * g_row
                ratio = torch.sqrt(accumulated_deltas[index] + epsilon) / grad_rms[index]
                delta_squares[index] = ratio * ratio * found.squares()
        _decay_towards_(accumulated_deltas, delta_squares, rho)
        # var += lr * delta
        torch._foreach_add_(params, torch._foreach_mul(deltas, scalars["learning_rate"]))


class KerasAdamax(_KerasOptimizer):
    """keras/src/optimizers/adamax.py."""

    def _initial_state(self, parameter, group):
        return {"momentum": torch.zeros_like(parameter), "norm": torch.zeros_like(parameter)}

    def _update_scalars(self, group, states, step, learning_rate, real):
        # 1 - beta_1^t, beta_1 through ops.cast (float32-rounded)
        return {"bias_correction": real(1) - _power(_through_float32(group["beta_1"], real), real(step), real)}

    def update_step(self, group, params, grads, states, scalars):
        momentums = [state["momentum"] for state in states]
        norms = [state["norm"] for state in states]
        _move_towards_(momentums, grads, 1 - group["beta_1"])
        # u = max(beta_2 * u, |g|)
        torch._foreach_mul_(norms, group["beta_2"])
        torch._foreach_maximum_(norms, absolutes(grads, scalars[TOKEN_ROWS]))
        # var -= (lr * m) / ((1 - beta_1^t) * (u + epsilon))
        denominators = torch._foreach_add(norms, group["epsilon"])
        torch._foreach_mul_(denominators, scalars["bias_correction"])
        steps = torch._foreach_mul(momentums, scalars["learning_rate"])
        torch._foreach_div_(steps, denominators)
        torch._foreach_sub_(params, steps)


# Nadam's momentum schedule: mu_t = beta_1 * (1 - 0.5 * 0.96^t) (keras/src/optimizers/nadam.py).
NADAM_MOMENTUM_DECAY = 0.96


class KerasNadam(_KerasOptimizer):
    """keras/src/optimizers/nadam.py."""

    def _initial_state(self, parameter, group):
        # u_product: Keras's Variable(1.0) in the first variable's dtype; a Python float here
        # (exactly the dtype's value), one copy per parameter, all equal.
        return {"momentum": torch.zeros_like(parameter), "velocity": torch.zeros_like(parameter), "u_product": 1.0}

    def _advance_state(self, state, group, parameter):
        # Nadam._backend_update_step, before the update step: u_product = u_product * beta_1 *
        # (1 - 0.5 * 0.96^t), its Python-float factors converted straight to the dtype.
        real = _real_type_of(parameter)
        decay_power = _power(real(NADAM_MOMENTUM_DECAY), real(state["step"]), real)
        decay_factor = real(1.0) - real(0.5) * decay_power
        state["u_product"] = float(real(state["u_product"]) * real(group["beta_1"]) * decay_factor)

    def _update_scalars(self, group, states, step, learning_rate, real):
        # Nadam.update_step's scalars; decay, beta_1 and beta_2 go through ops.cast (float32).
        decay = _through_float32(NADAM_MOMENTUM_DECAY, real)
        beta_1 = _through_float32(group["beta_1"], real)
        beta_2 = _through_float32(group["beta_2"], real)
        u_t = beta_1 * (real(1.0) - real(0.5) * _power(decay, real(step), real))
        u_t_1 = beta_1 * (real(1.0) - real(0.5) * _power(decay, real(step + 1), real))
        u_product_t = real(states[0]["u_product"])
        u_product_t_1 = u_product_t * u_t_1
        return {
            "momentum_weight": real(1) - beta_1,
            "velocity_weight": real(1) - beta_2,
            "momentum_factor": u_t_1,
            "momentum_denominator": real(1) - u_product_t_1,
            "gradient_factor": real(1) - u_t,
            "gradient_denominator": real(1) - u_product_t,
            "velocity_denominator": real(1) - _power(beta_2, real(step), real),
        }

    def update_step(self, group, params, grads, states, scalars):
        momentums = [state["momentum"] for state in states]
        velocities = [state["velocity"] for state in states]
        _move_towards_(momentums, grads, scalars["momentum_weight"])
        _move_towards_(velocities, squares(grads, scalars[TOKEN_ROWS]), scalars["velocity_weight"])
        # m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
        m_hats = torch._foreach_mul(momentums, scalars["momentum_factor"])
        torch._foreach_div_(m_hats, scalars["momentum_denominator"])
        gradient_terms = torch._foreach_mul(grads, scalars["gradient_factor"])
        torch._foreach_div_(gradient_terms, scalars["gradient_denominator"])
        torch._foreach_add_(m_hats, gradient_terms)
        # var -= (m_hat * lr) / (sqrt(v / (1 - beta_2^t)) + epsilon)
        denominators = torch._foreach_div(velocities, scalars["velocity_denominator"])
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, group["epsilon"])
        torch._foreach_mul_(m_hats, scalars["learning_rate"])
        torch._foreach_div_(m_hats, denominators)
        torch._foreach_sub_(params, m_hats)


_OPTIMIZERS: dict[type, type[_KerasOptimizer]] = {
    SGD: KerasSGD,
    Adam: KerasAdam,
    AdamW: KerasAdamW,
    RMSprop: KerasRMSprop,
    Adagrad: KerasAdagrad,
    Adadelta: KerasAdadelta,
    Adamax: KerasAdamax,
    Nadam: KerasNadam,
}


def build_optimizer(spec: OptimizerSpec, parameters) -> torch.optim.Optimizer:
    """The recipe's optimizer, with every hyperparameter taken from the recipe."""
    optimizer_class = _OPTIMIZERS.get(type(spec))
    if optimizer_class is None:
        raise TypeError(f"no Keras optimizer for {spec!r}")
    return optimizer_class(parameters, spec)


# ---- Keras optimizer configs (get_config(), a .keras file's compile config) ----

_SPEC_BY_KERAS_NAME = {spec_class.keras_name: spec_class for spec_class in _OPTIMIZERS}
_SCHEDULE_BY_CLASS_NAME = {schedule_class.__name__: schedule_class for schedule_class in _SCHEDULES}
_SCHEDULES_MODULE = "keras.optimizers.schedules"
# get_config() keys that change nothing here: the optimizer's (auto-generated) name, and the
# moving-average settings, which act only with use_ema=True (refused).
_INERT_KEYS = ("name", "ema_momentum", "ema_overwrite_frequency")


def _field_names(spec_class) -> set[str]:
    return {field.name for field in dataclasses.fields(spec_class)}


def _refuse_unknown_keys(owner: str, config: dict, spec_class) -> None:
    unknown = sorted(set(config) - _field_names(spec_class))
    if unknown:
        raise UnsupportedOptimizerOption(f"{owner}: unsupported option {unknown[0]}={config[unknown[0]]!r}")


def _stored_learning_rate(value):
    """get_config() reads the learning rate back from its float32 variable (0.001 comes out as
    0.0010000000474974513): a value that is exactly a float32 becomes the shortest decimal
    naming that float32, what was written. float64 values (floatx="float64") stay as they are."""
    if isinstance(value, float) and float(np.float32(value)) == value:
        return float(str(np.float32(value)))
    return value


def _schedule_from_keras_config(owner: str, serialized) -> LearningRateScheduleSpec:
    """A learning-rate schedule as Keras serialises it: {"module": "keras.optimizers.schedules",
    "class_name": ..., "config": {...}, "registered_name": None}."""
    class_name = serialized.get("class_name")
    schedule_class = _SCHEDULE_BY_CLASS_NAME.get(class_name)
    module = serialized.get("module", _SCHEDULES_MODULE)
    custom = serialized.get("registered_name") is not None or module != _SCHEDULES_MODULE
    if schedule_class is None or custom:
        supported = ", ".join(_SCHEDULE_BY_CLASS_NAME)
        raise UnsupportedOptimizerOption(
            f"{owner}: unsupported learning_rate schedule {class_name} (supported: {supported})"
        )
    config = dict(serialized.get("config", {}))
    _refuse_unknown_keys(f"{owner} learning_rate {class_name}", config, schedule_class)
    return schedule_class(**config)


def optimizer_from_keras_config(class_name: str, config: dict) -> OptimizerSpec:
    """The spec of a Keras optimizer from its ``get_config()`` (``class_name`` as in
    ``type(optimizer).__name__``, or the name ``keras.optimizers.get`` accepts). Raises
    ``UnsupportedOptimizerOption`` for an optimizer, schedule or option the port cannot honour."""
    spec_class = _SPEC_BY_KERAS_NAME.get(class_name.lower())
    if spec_class is None:
        supported = ", ".join(spec.__name__ for spec in _OPTIMIZERS)
        raise UnsupportedOptimizerOption(f"{class_name}: unsupported optimizer (supported: {supported})")
    options = {key: value for key, value in config.items() if key not in _INERT_KEYS}
    # What Keras acts on, by Keras's own tests: `if self.use_ema`, `if scale is not None`,
    # `if self.gradient_accumulation_steps`.
    if options.pop("use_ema", False):
        raise UnsupportedOptimizerOption(f"{class_name}: unsupported option use_ema=True (moving-average weights)")
    loss_scale_factor = options.pop("loss_scale_factor", None)
    if loss_scale_factor is not None:
        raise UnsupportedOptimizerOption(f"{class_name}: unsupported option loss_scale_factor={loss_scale_factor!r}")
    accumulation_steps = options.pop("gradient_accumulation_steps", None)
    if accumulation_steps:
        option = f"gradient_accumulation_steps={accumulation_steps!r}"
        raise UnsupportedOptimizerOption(f"{class_name}: unsupported option {option}")
    _refuse_unknown_keys(class_name, options, spec_class)
    if isinstance(options.get("learning_rate"), dict):
        options["learning_rate"] = _schedule_from_keras_config(class_name, options["learning_rate"])
    elif "learning_rate" in options:
        options["learning_rate"] = _stored_learning_rate(options["learning_rate"])
    return spec_class(**options)


def _keras_config_value(value):
    if isinstance(value, tuple(_SCHEDULES)):
        config = {field.name: _keras_config_value(getattr(value, field.name)) for field in dataclasses.fields(value)}
        class_name = type(value).__name__
        return {"module": _SCHEDULES_MODULE, "class_name": class_name, "config": config, "registered_name": None}
    if isinstance(value, tuple):
        return list(value)
    return value


def keras_optimizer_config(spec: OptimizerSpec) -> dict:
    """``{"class_name": ..., "config": {...}}`` that ``keras.optimizers.get`` (or
    ``keras.optimizers.deserialize``) turns into the equivalent Keras optimizer."""
    config = {field.name: _keras_config_value(getattr(spec, field.name)) for field in dataclasses.fields(spec)}
    return {"class_name": type(spec).__name__, "config": config}
