"""One Keras training step as one compiled graph (``scripts/train.py --compile``).

Eager PyTorch pays a few microseconds of dispatch per operator. A tutorial-sized step
(forward, loss, backward, the Keras-rule update of six tensors) is about 90
operators on tensors so small that this dispatch, not arithmetic, sets the pace: on the
2-core CPU an ``mnist_mlp`` step costs ~0.85 ms eager, of which the matrix products are
~0.1 ms. ``torch.compile`` turns the whole step into one graph of fused kernels.

What runs is the same mathematics as the eager path: the gradient comes from
``torch.func.grad`` of the same loss on the same backbone, and the update is the
optimizer's own ``apply_update`` (the Keras rule), fed the same per-step scalar as a 0-d
tensor so the graph is compiled once rather than once per step. Kernel fusion may round
differently from eager in the last bit; the parity tests hold the compiled step to the same
tolerance against Keras as the eager one.

Limits, checked before training starts: one device, one optimizer parameter group, no
gradient scaler (``16-mixed``). The backward and optimizer-step hooks of Lightning callbacks
do not run (there is no ``.grad`` to look at), and dropout draws from the compiled graph's
random stream, which differs from eager's (still seeded, still reproducible).
"""

from __future__ import annotations

import logging

import torch

from lightning_port.keras_compat.losses import keras_loss
from lightning_port.keras_compat.optimizers import _KerasOptimizer


class CompileUnsupported(ValueError):
    """--compile was asked for in a setting the compiled step cannot honour."""


class CompiledTrainingStep:
    """Forward, loss, gradients and the Keras-rule update in one ``torch.compile`` graph; it
    returns the step's loss and logits (detached) for the epoch metrics."""

    def __init__(self, backbone: torch.nn.Module, optimizer: torch.optim.Optimizer, loss_name: str, autocast_dtype: torch.dtype | None = None):
        if not isinstance(optimizer, _KerasOptimizer) or len(optimizer.param_groups) != 1:
            raise CompileUnsupported("--compile needs the recipe's own optimizer with a single parameter group")
        self.backbone = backbone
        self.optimizer = optimizer
        self.loss_name = loss_name
        self.autocast_dtype = autocast_dtype
        self.names = [name for name, _ in backbone.named_parameters()]
        self._step_size: torch.Tensor | None = None
        self._built = False
        # dynamic=False: the Trainer sends only full batches here (an epoch's final partial
        # batch runs eagerly), so one graph specialised to the batch shape serves every step.
        self._compiled = torch.compile(self._step, fullgraph=True, dynamic=False)
        # Inductor's C++ toolchain probe warns "No CUDA runtime is found" on every CPU-only
        # machine; it is not about this run and would look like an error to a user.
        logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)

    def __call__(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        group = self.optimizer.param_groups[0]
        params = list(group["params"])
        states = self.optimizer.prepared_states(group, params)
        tensor_states = [{name: value for name, value in state.items() if isinstance(value, torch.Tensor)} for state in states]
        step_size = self.optimizer.step_size(group, states)
        if step_size is not None:
            if self._step_size is None:
                self._step_size = torch.zeros((), dtype=params[0].dtype, device=params[0].device)
            self._step_size.fill_(step_size)
        hyperparameters = {name: value for name, value in group.items() if name != "params"}
        try:
            loss, logits = self._compiled(params, tensor_states, hyperparameters, self._step_size, inputs, targets)
        except Exception as error:
            if self._built:
                raise  # a later step's failure is not about building the graph
            reason = next((line.strip() for line in reversed(str(error).splitlines()) if line.strip()), type(error).__name__)
            hint = "Inductor needs a working C++ compiler on CPU (g++, or set CXX): install one or " if inputs.device.type == "cpu" else ""
            raise CompileUnsupported(
                f"--compile: torch.compile could not build the training step ({type(error).__name__}: {reason}); {hint}run without --compile"
            ) from error
        self._built = True
        return loss, logits

    def _step(self, params, states, hyperparameters, step_size, inputs, targets):
        def loss_of(weights):
            with torch.autocast(inputs.device.type, dtype=self.autocast_dtype, enabled=self.autocast_dtype is not None):
                logits = torch.func.functional_call(self.backbone, dict(zip(self.names, weights)), (inputs,))
                loss = keras_loss(self.loss_name, logits, targets)
            return loss, (loss.detach(), logits.detach())

        grads, (loss, logits) = torch.func.grad(loss_of, has_aux=True)(params)
        with torch.no_grad():
            self.optimizer.apply_update(hyperparameters, params, grads, states, step_size)
        return loss, logits
