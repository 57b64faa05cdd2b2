"""Keras behaviour that addition_rnn needs and torch does not give (exported by lightning-port, scripts/export.py).

Each definition says what Keras computes differently from torch's own layer, loss or optimizer,
and why it matters: these are the lines that make the port compute what the Keras listing does."""

import numpy as np
import torch
from torch import nn


class KerasLSTM(nn.Module):
    """keras.layers.LSTM (tanh and sigmoid, no dropout, no mask) on (N, time, features), starting
    from zero states; the last output, or every step's with return_sequences.

    Keras's weights in torch's layout: kernel (4 * units, features) and recurrent_kernel
    (4 * units, units), the gates in Keras's order (i, f, c, o), which is torch's (i, f, g, o).
    Keras has one bias per gate, torch's nn.LSTM two (b_ih and b_hh), both trained: that would
    train the bias twice over. So torch's LSTM kernel runs without biases, and Keras's bias enters
    as the kernel's column for a constant input of 1: torch's CPU backward sums a bias's gradient
    over every step and sample at a float32 error ten times Keras's, where the kernel's gradient,
    a matrix product, stays at Keras's."""

    def __init__(self, input_size, units, bias=True, return_sequences=False):
        super().__init__()
        self.units, self.return_sequences = units, return_sequences
        self.kernel = nn.Parameter(torch.empty(4 * units, input_size))
        self.recurrent_kernel = nn.Parameter(torch.empty(4 * units, units))
        self.bias = nn.Parameter(torch.zeros(4 * units)) if bias else None

    def forward(self, x):
        kernel = self.kernel
        if self.bias is not None:
            x = torch.cat([x, x.new_ones(*x.shape[:-1], 1)], dim=-1)
            kernel = torch.cat([kernel, self.bias.unsqueeze(1)], dim=1)
        zeros = x.new_zeros(1, x.shape[0], self.units)
        # torch.lstm is nn.LSTM's kernel: (input, (h0, c0), weights, has_biases, layers, dropout,
        # training, bidirectional, batch_first).
        outputs, _, _ = torch.lstm(
            x, (zeros, zeros), [kernel, self.recurrent_kernel], False, 1, 0.0, self.training, False, True
        )
        return outputs if self.return_sequences else outputs[:, -1]


class KerasAdam(torch.optim.Optimizer):
    """keras.optimizers.Adam, whose update torch.optim.Adam's is not: Keras folds both bias
    corrections into the step size, alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), and adds
    epsilon to the uncorrected sqrt(v); torch adds it to the bias-corrected one."""

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
        super().__init__(params, {"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon})

    @staticmethod
    def step_size(group, step, parameter):
        """alpha as Keras computes it on TensorFlow: in the weights' dtype, the betas rounded to
        float32 first (ops.cast), the powers by the C library's pow, which torch's pow calls for a
        0-d tensor (numpy's float32 power differs in the last bit for about 1% of steps)."""
        real = np.float64 if parameter.dtype == torch.float64 else np.float32
        beta_1 = torch.tensor(real(np.float32(group["beta_1"])).item(), dtype=parameter.dtype)
        beta_2 = torch.tensor(real(np.float32(group["beta_2"])).item(), dtype=parameter.dtype)
        t = torch.tensor(float(step), dtype=parameter.dtype)
        beta_1_power, beta_2_power = real((beta_1**t).item()), real((beta_2**t).item())
        return real(group["lr"]) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            parameters = [parameter for parameter in group["params"] if parameter.grad is not None]
            for parameter in parameters:
                state = self.state[parameter]
                if not state:
                    state.update(step=0, momentum=torch.zeros_like(parameter), velocity=torch.zeros_like(parameter))
                state["step"] += 1
            if not parameters:
                continue
            alpha = float(self.step_size(group, self.state[parameters[0]]["step"], parameters[0]))
            for parameter in parameters:
                state, gradient = self.state[parameter], parameter.grad
                # m += (g - m) * (1 - beta_1), v += (g^2 - v) * (1 - beta_2); w -= m * alpha / (sqrt(v) + epsilon)
                state["momentum"].lerp_(gradient, 1 - group["beta_1"])
                state["velocity"].lerp_(gradient * gradient, 1 - group["beta_2"])
                parameter.sub_(state["momentum"] * alpha / (state["velocity"].sqrt() + group["epsilon"]))
        return loss
