"""``--compile --steps-per-execution K``: an execution of K Keras steps run as one block.

Keras's counterpart, ``compile(jit_compile=True, steps_per_execution=K)`` on TensorFlow, is
one XLA-compiled step run K times by a ``tf.while_loop`` inside one graph call
(``keras/src/backend/tensorflow/trainer.py``, ``multi_step_on_iterator``): the compiled unit
is the step, the loop is what saves the host's per-step work. Here the same: the step is
one ``torch.compile`` graph (``training/compiled_step.py``) and a block runs it K times from
one Lightning training step, with everything the host does per step hoisted out of the
loop: the K steps' scalars are one table copied to the device once, the epoch sums stay in
the graph's accumulators, Lightning's hooks, logging and progress bar run once per block.

On CUDA, the block's K steps are captured once as one CUDA graph and replayed for every
full execution after that: one launch for K steps, no per-step host work at all. Capture
needs the steps' tensors at fixed addresses (the block copies each execution's batch into
buffers of its own; the parameters, optimizer state, scalar table and sums are updated in
place) and no host synchronisation inside (there is none in the step). It is skipped where
torch does not allow it or the block cannot keep that promise: under ``bf16-mixed``
(autocast's cast cache must not live in a captured region), and after a capture that failed
(a warning names why; the block then runs uncaptured, the same arithmetic).

Why not one graph of K unrolled steps: measured on the 2-core CPU (``mnist_mlp``, one
thread), unrolling K = 8 and 32 steps into one ``torch.compile`` graph took 31 s and 109 s
to compile against 18 s for one step, and ran a step in 0.16 and 0.19 ms against 0.19 ms:
compilation grows with K while the step's own time does not fall. The loop keeps one graph
of one step (compiled once, shared with ``--compile`` and the parity checks).

Updates are bit-identical to K single compiled steps (``tests/training/test_compiled_block.py``):
the same graph runs the same steps on the same scalars in the same order, and the dropout
seeds the graph draws from torch's generator come in the same order. (A CUDA graph's
replays draw dropout masks from offsets of their own: with dropout, a captured block is
seeded and reproducible but not bit-identical to uncaptured steps.)

An execution with fewer than K full batches (the last of an epoch) runs the same steps
uncaptured; an epoch's final partial batch runs eagerly, as under ``--compile``.
"""

from __future__ import annotations

import warnings

import torch

from lightning_port.training.compiled_step import CompiledTrainingStep


class CompiledBlock:
    """Runs executions of up to ``step.steps`` full batches through one compiled step."""

    def __init__(self, step: CompiledTrainingStep, batch_size: int, capture: bool):
        self.step = step
        self.batch_size = batch_size
        self.capture = capture and step.device.type == "cuda"
        self._warmed_up = False
        self._graph: torch.cuda.CUDAGraph | None = None
        self._static_inputs: torch.Tensor | None = None
        self._static_targets: torch.Tensor | None = None

    @property
    def captured(self) -> bool:
        return self._graph is not None

    def run(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        """One execution: ``len(inputs)`` must be a whole number of batches, at most K."""
        count, remainder = divmod(len(inputs), self.batch_size)
        if remainder or not 1 <= count <= self.step.steps:
            raise ValueError(f"a block runs 1 to {self.step.steps} full batches of {self.batch_size}, got {len(inputs)} samples")
        self.step.prepare(count)
        if self.capture and count == self.step.steps:
            self._run_captured(inputs, targets)
        else:
            self._run_steps(inputs, targets)

    def _run_steps(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        size = self.batch_size
        for position in range(len(inputs) // size):
            self.step.run(position, inputs[position * size : (position + 1) * size], targets[position * size : (position + 1) * size])

    # ---- CUDA ----
    def _run_captured(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        if self._graph is None:
            if not self._warmed_up:
                self._warm_up(inputs, targets)
                return
            if not self._capture(inputs, targets):
                return
        # The sample count is host-side bookkeeping the replay does not repeat.
        self._static_inputs.copy_(inputs)
        self._static_targets.copy_(targets)
        self._graph.replay()
        self.step.sums.samples += len(targets)

    def _warm_up(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        """The first full execution runs uncaptured on a side stream (as torch's CUDA graph
        guide asks): it compiles the step, tunes its kernels and initialises cuBLAS, so that
        nothing is built or allocated lazily during the capture."""
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            self._run_steps(inputs, targets)
        torch.cuda.current_stream().wait_stream(side)
        self._warmed_up = True

    def _capture(self, inputs: torch.Tensor, targets: torch.Tensor) -> bool:
        """Capture this execution's K steps (capturing runs nothing); False, after running the
        execution uncaptured, when torch refuses the capture."""
        self._static_inputs = inputs.clone()
        self._static_targets = targets.clone()
        samples_before = self.step.sums.samples
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                self._run_steps(self._static_inputs, self._static_targets)
        except RuntimeError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            warnings.warn(f"--compile --steps-per-execution {self.step.steps}: CUDA graph capture failed ({reason}); running the block uncaptured", stacklevel=2)
            self.capture = False
            self._static_inputs = self._static_targets = None
            self.step.sums.samples = samples_before
            self._run_steps(inputs, targets)
            return False
        self.step.sums.samples = samples_before  # the capture counted samples it did not train on
        self._graph = graph
        return True
