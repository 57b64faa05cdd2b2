"""The benchmark's modes: like with like, the same execution mode on every side.

A mode fixes how each framework executes Keras steps: the port's ``SpeedMode``, whether the
hand-written floor runs the compiled step, and Keras's own ``compile(steps_per_execution=...,
jit_compile=...)``, for Keras on TensorFlow and on torch alike. Targets are the speed issue's
(CPU, the recipes whose ``Evidence.speed_targeted`` is set): the port within a factor of its
floor, and faster than Keras on either backend in the same mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.run.description import SpeedMode

# Each framework, in the order a round runs them. "floor": a bare PyTorch loop doing the port's
# work (evidence/benchmarking/floor.py); the Keras columns run the tutorial's own code.
FRAMEWORKS = ("port", "floor", "keras_tensorflow", "keras_torch")
KERAS_BACKENDS = {"keras_tensorflow": "tensorflow", "keras_torch": "torch"}
# Keras must be at least this many times slower than the port (1: the port is faster).
KERAS_OVER_PORT_TARGET = 1.0


@dataclass(frozen=True)
class BenchmarkMode:
    name: str
    title: str
    port: SpeedMode
    floor_compiled: bool  # the floor runs the port's compiled step in its bare loop
    keras_steps_per_execution: int
    keras_jit_compile: bool | str
    port_over_floor_target: float  # the port's epoch over the floor's, at most
    floor_steps_per_execution: int = 1  # the compiled floor's block of steps (CompiledBlock)
    # Frameworks that cannot run this mode at all, each with the reason (shown as "n/a").
    not_applicable: tuple[tuple[str, str], ...] = ()

    def keras_configuration(self) -> str:
        """Keras's compile() settings of this mode, as the benchmark names them."""
        return f"steps_per_execution={self.keras_steps_per_execution}, jit_compile={self.keras_jit_compile}"

    def keras_options(self) -> dict:
        return {"steps_per_execution": self.keras_steps_per_execution, "jit_compile": self.keras_jit_compile}


MODES: dict[str, BenchmarkMode] = {
    mode.name: mode
    for mode in (
        # What each side does by default: Lightning's automatic optimization, one step per
        # batch with every hook, against Keras fit() with compile()'s defaults. The default
        # path pays Lightning's per-step hooks and logging; 1.5x of a bare loop is the target.
        BenchmarkMode(
            "default", "default (one step per batch; Keras compile() defaults)", SpeedMode(), False,
            keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT, keras_defaults.JIT_COMPILE_KERAS_DEFAULT, 1.5,
        ),
        # 32 Keras steps per execution on each side: the per-step framework overhead is paid
        # once per 32 steps, so the port should run at its floor's speed (within 10%).
        BenchmarkMode(
            "steps_per_execution_32", "--steps-per-execution 32 (Keras steps_per_execution=32)", SpeedMode(steps_per_execution=32), False, 32,
            keras_defaults.JIT_COMPILE_KERAS_DEFAULT, 1.1,
            not_applicable=(("keras_torch", "Keras 3.15's torch backend refuses steps_per_execution > 1 (ValueError in compile())"),),
        ),
        # Each step one compiled graph: the port's --compile against the same compiled step in a
        # bare loop, and Keras with jit_compile=True (XLA on TensorFlow, torch.compile on torch).
        BenchmarkMode("compile", "--compile (Keras jit_compile=True)", SpeedMode(compile=True), True, keras_defaults.STEPS_PER_EXECUTION_KERAS_DEFAULT, True, 1.1),
        # Both at once: blocks of 32 compiled steps (training/compiled_block.py) against the
        # same block in a bare loop, and Keras's XLA step looped 32 times in one graph call.
        # The bound for the port's fastest mode: 1.15x its compiled floor.
        BenchmarkMode(
            "compile_steps_per_execution_32", "--compile --steps-per-execution 32 (Keras jit_compile=True, steps_per_execution=32)",
            SpeedMode(steps_per_execution=32, compile=True), True, 32, True, 1.15, floor_steps_per_execution=32,
            not_applicable=(("keras_torch", "Keras 3.15's torch backend refuses steps_per_execution > 1 (ValueError in compile())"),),
        ),
    )
}


def mode_named(name: str) -> BenchmarkMode:
    try:
        return MODES[name]
    except KeyError:
        raise ValueError(f"unknown benchmark mode {name!r}; known: {', '.join(MODES)}") from None
