"""One Keras training step as one compiled graph (``scripts/train.py --compile``).

Eager PyTorch pays a few microseconds of dispatch per operator. A tutorial-sized step
(forward, loss, backward, the Keras-rule update of six tensors) is about 90
operators on tensors so small that this dispatch, not arithmetic, sets the pace: on the
2-core CPU an ``mnist_mlp`` step costs ~0.85 ms eager, of which the matrix products are
~0.1 ms. ``torch.compile`` turns the whole step into one graph of fused kernels.

What runs is the same mathematics as the eager path: the gradient comes from
``torch.func.grad`` of the same loss on the same backbone, and the update is the
optimizer's own ``apply_update`` (the Keras rule), fed the same per-step scalars as 0-d
tensors so the graph is compiled once rather than once per step. Kernel fusion may round
differently from eager in the last bit; the parity tests hold the compiled step to the same
tolerance against Keras as the eager one.

Limits, checked before training starts: one device, one optimizer parameter group, no
gradient scaler (``16-mixed``). The backward and optimizer-step hooks of Lightning callbacks
do not run (there is no ``.grad`` to look at), and dropout draws from the compiled graph's
random stream, which differs from eager's (still seeded, still reproducible).
"""

from __future__ import annotations

import inspect
import logging

import torch

from lightning_port.keras_compat.losses import KerasLoss
from lightning_port.keras_compat.optimizers import _KerasOptimizer


class CompileUnsupported(ValueError):
    """--compile was asked for in a setting the compiled step cannot honour."""


def _is_build_failure(error: BaseException) -> bool:
    """Whether torch.compile failed to *build* the graph (its backend or the C++/CUDA/Triton
    toolchain), as opposed to the traced code itself raising (wrong shapes, bad values),
    which must surface as it would without --compile."""
    from torch._dynamo.exc import BackendCompilerFailed, TritonUnavailableError
    from torch._inductor.exc import CppCompileError, CUDACompileError, InvalidCxxCompiler

    build_failures = (BackendCompilerFailed, TritonUnavailableError, CppCompileError, CUDACompileError, InvalidCxxCompiler)
    while error is not None:
        if isinstance(error, build_failures):
            return True
        error = error.__cause__
    return False


# Dynamo keys its cache on the code object (``_step``), shared by every instance: without
# isolation the 9th step built in one process (a sweep, a notebook, a test session) exceeds
# recompile_limit (8) and, with fullgraph=True, fails. torch >= 2.14 can give each
# torch.compile() call its own budget; older versions build one step per process in practice.
_OWN_RECOMPILE_BUDGET = {"isolate_recompiles": True} if "isolate_recompiles" in inspect.signature(torch.compile).parameters else {}


class CompiledTrainingStep:
    """Forward, loss, gradients and the Keras-rule update in one ``torch.compile`` graph; it
    returns the step's loss and logits (detached) for the epoch metrics."""

    def __init__(self, backbone: torch.nn.Module, optimizer: torch.optim.Optimizer, loss: KerasLoss, autocast_dtype: torch.dtype | None = None):
        if not isinstance(optimizer, _KerasOptimizer) or len(optimizer.param_groups) != 1:
            raise CompileUnsupported("--compile needs the recipe's own optimizer with a single parameter group")
        self.backbone = backbone
        self.optimizer = optimizer
        self.loss = loss
        self.autocast_dtype = autocast_dtype
        self.names = [name for name, _ in backbone.named_parameters()]
        self._step_size: dict[str, torch.Tensor] = {}
        self._built = False
        # dynamic=False: the Trainer sends only full batches here (an epoch's final partial
        # batch runs eagerly), so one graph specialised to the batch shape serves every step.
        self._compiled = torch.compile(self._step, fullgraph=True, dynamic=False, **_OWN_RECOMPILE_BUDGET)
        # Inductor's C++ toolchain probe warns "No CUDA runtime is found" on every CPU-only
        # machine; it is not about this run and would look like an error to a user.
        logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)

    def __call__(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        group = self.optimizer.param_groups[0]
        params = list(group["params"])
        states = self.optimizer.prepared_states(group, params)
        tensor_states = [{name: value for name, value in state.items() if isinstance(value, torch.Tensor)} for state in states]
        # The step's scalars (learning rate, Adam's alpha, ...) as 0-d tensors refilled in place:
        # graph inputs, so a value that changes every step does not recompile the graph.
        for name, value in self.optimizer.step_size(group, states).items():
            if name not in self._step_size:
                self._step_size[name] = torch.zeros((), dtype=params[0].dtype, device=params[0].device)
            self._step_size[name].fill_(value)
        hyperparameters = {name: value for name, value in group.items() if name != "params"}
        try:
            loss, logits = self._compiled(params, tensor_states, hyperparameters, self._step_size, inputs, targets)
        except Exception as error:
            if self._built or not _is_build_failure(error):
                raise  # the step itself failed (a shape, a value), or a later step: not about building
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
                loss = self.loss(logits, targets)
            return loss, (loss.detach(), logits.detach())

        grads, (loss, logits) = torch.func.grad(loss_of, has_aux=True)(params)
        with torch.no_grad():
            self.optimizer.apply_update(hyperparameters, params, grads, states, step_size)
        return loss, logits
