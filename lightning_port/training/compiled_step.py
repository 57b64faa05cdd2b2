"""One Keras training step as one compiled graph (``scripts/train.py --compile``).

Eager PyTorch pays a few microseconds of dispatch per operator. A tutorial-sized step
(forward, loss, backward, the Keras-rule update of six tensors) is about 90 operators on
tensors so small that this dispatch, not arithmetic, sets the pace: on the 2-core CPU an
``mnist_mlp`` step costs ~0.85 ms eager, of which the matrix products are ~0.1 ms.
``torch.compile`` turns the whole step into one graph of fused kernels.

What runs is the same mathematics as the eager path: the gradient comes from
``torch.func.grad`` of the same loss on the same backbone, and the update is the
optimizer's own ``apply_update`` (the Keras rule). Kernel fusion may round differently from
eager in the last bit; the parity tests hold the compiled step to the same float64-truth
criterion against Keras as the eager one.

The step's scalars (learning rate, Adam's alpha, ...) are computed on the host, as Keras
casts them, for up to ``steps`` steps at a time (``prepare``): rows of a table the graph
reads at a step's position, so neither a value that changes every step nor the position
recompiles the graph. One table serves a whole execution of K steps
(``training/compiled_block.py``); a single step is an execution of one.

The graph also adds the step to its epoch sums, as Keras's compiled ``train_step`` updates
its metric variables: the batch-size weighted loss (float64, where a float32 batch mean
times its batch size is exact) and the number of samples predicted right. The Trainer
hands them to the torchmetrics epoch metrics once per execution or less
(``KerasEpochMetrics.add_sums``), not once per step.

Limits, checked before training starts: one device, one optimizer parameter group, no
gradient scaler (``16-mixed``). The backward and optimizer-step hooks of Lightning callbacks
do not run (there is no ``.grad`` to look at), and dropout draws from the compiled graph's
random stream, which differs from eager's (still seeded, still reproducible).
"""

from __future__ import annotations

import inspect
import logging

import torch

from lightning_port.keras_compat.losses import KerasLoss, accuracy_targets, predicted_classes
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


class EpochSums:
    """The sums a compiled step adds to: on the device, read only when the epoch's metrics are."""

    def __init__(self, device: torch.device):
        self.loss = torch.zeros((), dtype=torch.float64, device=device)  # sum of batch mean loss x batch size
        self.correct = torch.zeros((), dtype=torch.int64, device=device)
        self.samples = 0  # counted on the host: every step's batch size is known there
        self.predictions = 0  # what the accuracy counts: a sequence output predicts every step

    def reset(self) -> None:
        self.loss.zero_()
        self.correct.zero_()
        self.samples = 0
        self.predictions = 0


class CompiledTrainingStep:
    """Forward, loss, gradients, the Keras-rule update and the epoch sums in one
    ``torch.compile`` graph.

    ``step(inputs, targets)`` runs one step and returns its loss and outputs (detached).
    ``prepare(count)`` then ``run(position, ...)`` for each position runs an execution of up
    to ``steps`` steps from one table of scalars.
    """

    def __init__(
        self, backbone: torch.nn.Module, optimizer: torch.optim.Optimizer, loss: KerasLoss,
        autocast_dtype: torch.dtype | None = None, steps: int = 1,
    ):
        if not isinstance(optimizer, _KerasOptimizer) or len(optimizer.param_groups) != 1:
            raise CompileUnsupported("--compile needs the recipe's own optimizer with a single parameter group")
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        if any(getattr(module, "records_token_rows", False) for module in backbone.modules()) and optimizer.reads_token_rows():
            # Keras squares and clips an Embedding's gradient row by row per looked-up token
            # (ops.token_gradients): the port's Embedding records those rows in its backward
            # pass, which a torch.func gradient inside the compiled graph does not run.
            raise CompileUnsupported(
                "--compile: an Embedding trained with an optimizer that squares or clips its gradient (Keras does it per looked-up token); run without --compile"
            )
        masked = getattr(backbone, "masked", set())
        if any(reference in masked for reference in getattr(getattr(backbone, "graph", None), "outputs", ())):
            # The loss and the accuracy read the output's mask from the tensor (ops.masks), which
            # a compiled graph does not carry; the epoch sums count every step.
            raise CompileUnsupported("--compile: the model's output carries a Keras mask (Embedding(mask_zero=True) or Masking reaches it); run without --compile")
        self.backbone = backbone
        self.optimizer = optimizer
        self.loss = loss
        self.autocast_dtype = autocast_dtype
        self.steps = steps
        self.names = [name for name, _ in backbone.named_parameters()]
        parameter = optimizer.param_groups[0]["params"][0]
        self.device = parameter.device
        self.sums = EpochSums(self.device)
        # Each position as a one-element tensor made once: a graph input, not a constant to
        # specialise on (index_select: a 0-d tensor index does not trace through foreach ops).
        self._positions = [torch.tensor([position], device=self.device) for position in range(steps)]
        self._scalar_names: list[str] | None = None
        self._scalar_table: torch.Tensor | None = None  # (steps, scalars) in the parameters' dtype
        self._tensor_states: list[dict] = []
        self._built = False
        # dynamic=False: the Trainer sends only full batches here (an epoch's final partial
        # batch runs eagerly), so one graph specialised to the batch shape serves every step.
        self._compiled = torch.compile(self._step, fullgraph=True, dynamic=False, **_OWN_RECOMPILE_BUDGET)
        # Inductor's C++ toolchain probe warns "No CUDA runtime is found" on every CPU-only
        # machine; it is not about this run and would look like an error to a user.
        logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)

    def __call__(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.prepare(1)
        return self.run(0, inputs, targets)

    def prepare(self, count: int) -> None:
        """Advance the optimizer's host-side state (step counts, Nadam's momentum product) by
        ``count`` steps and write each step's scalars into the table, one copy to the device."""
        if not 1 <= count <= self.steps:
            raise ValueError(f"an execution of {count} steps does not fit a table of {self.steps}")
        group = self.optimizer.param_groups[0]
        params = group["params"]
        rows = []
        for _ in range(count):
            states = self.optimizer.prepared_states(group, params)
            rows.append(self.optimizer.step_size(group, states))
        if self._scalar_names is None:
            self._scalar_names = list(rows[0])
            self._scalar_table = torch.zeros(self.steps, max(1, len(self._scalar_names)), dtype=params[0].dtype, device=self.device)
        # The rows past ``count`` keep old values: no position reads them in this execution.
        values = [[row[name] for name in self._scalar_names] or [0.0] for row in rows]
        host = torch.tensor(values, dtype=self._scalar_table.dtype)
        if self.device.type == "cuda":
            host = host.pin_memory()  # copied without stalling the host; torch keeps it alive until done
        self._scalar_table[:count].copy_(host, non_blocking=True)
        # Rebuilt every execution: a resumed run's optimizer state holds new tensors.
        self._tensor_states = [{name: value for name, value in self.optimizer.state[p].items() if isinstance(value, torch.Tensor)} for p in params]

    def run(self, position: int, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Step ``position`` of the prepared execution, on one full batch."""
        group = self.optimizer.param_groups[0]
        hyperparameters = {name: value for name, value in group.items() if name != "params"}
        try:
            loss, outputs = self._compiled(
                group["params"], self._tensor_states, hyperparameters, self._scalar_table, self._positions[position],
                inputs, targets, self.sums.loss, self.sums.correct,
            )
        except Exception as error:
            if self._built or not _is_build_failure(error):
                raise  # the step itself failed (a shape, a value), or a later step: not about building
            reason = next((line.strip() for line in reversed(str(error).splitlines()) if line.strip()), type(error).__name__)
            hint = "Inductor needs a working C++ compiler on CPU (g++, or set CXX): install one or " if inputs.device.type == "cpu" else ""
            raise CompileUnsupported(
                f"--compile: torch.compile could not build the training step ({type(error).__name__}: {reason}); {hint}run without --compile"
            ) from error
        self._built = True
        self.sums.samples += len(targets)
        self.sums.predictions += targets.numel() if targets.dim() > 1 and not targets.is_floating_point() else len(targets)
        return loss, outputs

    def _step(self, params, states, hyperparameters, scalar_table, position, inputs, targets, loss_sum, correct):
        def loss_of(weights):
            with torch.autocast(inputs.device.type, dtype=self.autocast_dtype, enabled=self.autocast_dtype is not None):
                outputs = torch.func.functional_call(self.backbone, dict(zip(self.names, weights)), (inputs,))
                loss = self.loss(outputs, targets)
            return loss, (loss.detach(), outputs.detach())

        grads, (loss, outputs) = torch.func.grad(loss_of, has_aux=True)(params)
        row = torch.index_select(scalar_table, 0, position).squeeze(0)
        step_size = {name: row[index] for index, name in enumerate(self._scalar_names)}
        with torch.no_grad():
            self.optimizer.apply_update(hyperparameters, params, grads, states, step_size)
            # What KerasEpochMetrics.update adds for this batch, here in the graph.
            loss_sum.add_(loss.double() * targets.shape[0])
            correct.add_((predicted_classes(self.loss, outputs) == accuracy_targets(targets, outputs)).sum())
        return loss, outputs
