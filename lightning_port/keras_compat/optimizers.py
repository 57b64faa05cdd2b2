"""Keras's Adam and RMSprop update rules as ``torch.optim.Optimizer`` subclasses.

No setting of ``torch.optim.Adam``/``RMSprop`` reproduces Keras:

* Keras Adam folds both bias corrections into the step size and adds epsilon to the
  *un-corrected* ``sqrt(v)``; torch adds it to the bias-corrected ``sqrt(v_hat)``.
* Keras RMSprop puts epsilon *inside* the square root; torch adds it outside.

The arithmetic below follows ``keras/src/optimizers/adam.py`` and ``rmsprop.py`` operation
for operation (same order of multiplies and divides, scalars rounded to float32 the way
Keras casts them), so one step agrees with Keras to float32 rounding.
"""

from __future__ import annotations

import numpy as np
import torch

from lightning_port.spec import Adam, OptimizerSpec, RMSprop


class _KerasOptimizer(torch.optim.Optimizer):
    """Shared plumbing: closure handling, state creation and step counting.

    The update itself is ``apply_update``, a function of tensors only (``step_size`` may be a
    0-d tensor), so the compiled training step (``lightning_port.compiled_step``) runs the
    very same arithmetic inside its graph.
    """

    def _initial_state(self, parameter: torch.Tensor, group: dict) -> dict:
        raise NotImplementedError

    def step_size(self, group: dict, states: list) -> float | None:
        """The step's scalar that changes from step to step (Adam's alpha), or None."""
        return None

    def apply_update(self, group: dict, params: list, grads: list, states: list, step_size) -> None:
        raise NotImplementedError

    def prepared_states(self, group: dict, params: list) -> list[dict]:
        """Each parameter's state, created on first use, with its step count advanced."""
        states = [self.state[p] for p in params]
        for parameter, state in zip(params, states):
            if not state:
                state.update(self._initial_state(parameter, group))
            if "step" in state:
                state["step"] += 1
        return states

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


class KerasAdam(_KerasOptimizer):
    def __init__(self, params, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
        defaults = dict(lr=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _initial_state(self, parameter, group):
        state = {"step": 0, "momentum": torch.zeros_like(parameter), "velocity": torch.zeros_like(parameter)}
        if group["amsgrad"]:
            state["velocity_hat"] = torch.zeros_like(parameter)
        return state

    def step_size(self, group, states):
        # alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), computed in the variables'
        # dtype as Keras casts it (float32 for these models).
        real = np.float64 if states[0]["momentum"].dtype == torch.float64 else np.float32
        step = real(states[0]["step"])
        # ops.cast(self.beta_1, dtype) on TensorFlow goes through a float32 tensor, so the
        # betas are float32-rounded even for float64 variables.
        beta_1_power = np.power(real(np.float32(group["beta_1"])), step)
        beta_2_power = np.power(real(np.float32(group["beta_2"])), step)
        return float(real(group["lr"]) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power))

    def apply_update(self, group, params, grads, states, step_size):
        alpha = step_size
        momentums = [state["momentum"] for state in states]
        velocities = [state["velocity"] for state in states]
        # m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
        torch._foreach_lerp_(momentums, grads, 1 - group["beta_1"])
        torch._foreach_lerp_(velocities, torch._foreach_mul(grads, grads), 1 - group["beta_2"])
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


class KerasRMSprop(_KerasOptimizer):
    def __init__(self, params, lr=1e-3, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        defaults = dict(lr=lr, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered)
        super().__init__(params, defaults)

    def _initial_state(self, parameter, group):
        state = {"velocity": torch.zeros_like(parameter)}
        if group["momentum"] > 0:
            state["momentum"] = torch.zeros_like(parameter)
        if group["centered"]:
            state["average_gradient"] = torch.zeros_like(parameter)
        return state

    def apply_update(self, group, params, grads, states, step_size):
        rho = group["rho"]
        velocities = [state["velocity"] for state in states]
        # velocity = rho * velocity + (1 - rho) * g^2
        squares = torch._foreach_mul(grads, grads)
        torch._foreach_mul_(squares, 1 - rho)
        torch._foreach_mul_(velocities, rho)
        torch._foreach_add_(velocities, squares)
        if group["centered"]:
            averages = [state["average_gradient"] for state in states]
            scaled = torch._foreach_mul(grads, 1 - rho)
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, scaled)
            # denominator = velocity - average^2 + epsilon
            denominators = torch._foreach_sub(velocities, torch._foreach_mul(averages, averages))
            torch._foreach_add_(denominators, group["epsilon"])
        else:
            denominators = torch._foreach_add(velocities, group["epsilon"])
        # increment = (lr * g) / sqrt(denominator): epsilon inside the root
        torch._foreach_sqrt_(denominators)
        increments = torch._foreach_mul(grads, group["lr"])
        torch._foreach_div_(increments, denominators)
        if group["momentum"] > 0:
            buffers = [state["momentum"] for state in states]
            torch._foreach_mul_(buffers, group["momentum"])
            torch._foreach_add_(buffers, increments)
            increments = buffers
        torch._foreach_sub_(params, increments)


def build_optimizer(spec: OptimizerSpec, parameters) -> torch.optim.Optimizer:
    """The recipe's optimizer, with every hyperparameter taken from the recipe."""
    if isinstance(spec, Adam):
        return KerasAdam(
            parameters,
            lr=spec.learning_rate,
            beta_1=spec.beta_1,
            beta_2=spec.beta_2,
            epsilon=spec.epsilon,
            amsgrad=spec.amsgrad,
        )
    if isinstance(spec, RMSprop):
        return KerasRMSprop(
            parameters,
            lr=spec.learning_rate,
            rho=spec.rho,
            momentum=spec.momentum,
            epsilon=spec.epsilon,
            centered=spec.centered,
        )
    raise TypeError(f"no Keras optimizer for {spec!r}")
