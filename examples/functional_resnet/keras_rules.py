"""Keras behaviour that functional_resnet needs and torch does not give (exported by lightning-port, scripts/export.py).

Each definition says what Keras computes differently from torch's own layer, loss or optimizer,
and why it matters: these are the lines that make the port compute what the Keras listing does."""

import numpy as np
import torch


def keras_float(value, parameter):
    """A hyperparameter as Keras computes with it: a scalar of the weights' dtype (float32 unless
    the model was made float64)."""
    return (np.float64 if parameter.dtype == torch.float64 else np.float32)(value)


class KerasRMSprop(torch.optim.Optimizer):
    """keras.optimizers.RMSprop, whose update torch.optim.RMSprop's is not: Keras puts epsilon
    inside the square root, w -= lr * g / sqrt(v + epsilon), torch adds it outside; the learning
    rate is a float32 scalar, as Keras casts it."""

    def __init__(self, params, lr=0.001, rho=0.9, epsilon=1e-07):
        super().__init__(params, {"lr": lr, "rho": rho, "epsilon": epsilon})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            rho = group["rho"]
            for parameter in group["params"]:
                if parameter.grad is None:
                    continue
                state, gradient = self.state[parameter], parameter.grad
                if not state:
                    state["velocity"] = torch.zeros_like(parameter)
                # v = rho * v + (1 - rho) * g^2
                state["velocity"].mul_(rho).add_(gradient * gradient * (1 - rho))
                learning_rate = float(keras_float(group["lr"], parameter))
                parameter.sub_(gradient * learning_rate / (state["velocity"] + group["epsilon"]).sqrt())
        return loss
