"""The port's optimizers against live Keras: a few steps of each from the same weights with the
same gradients, in float32 and in float64, judged by the float64 truth
(``lightning_port.evidence.parity.truth``).

Keras is imported lazily; the caller selects its backend first
(``keras_reference.backend.select_backend("tensorflow")``).
"""

from __future__ import annotations

import numpy as np
import torch

from lightning_port.evidence.parity.truth import TruthComparison, compare_updates
from lightning_port.keras_compat.optimizers import build_optimizer, keras_optimizer_config
from lightning_port.spec import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    CosineDecay,
    ExponentialDecay,
    Nadam,
    OptimizerSpec,
    PiecewiseConstantDecay,
    RMSprop,
)

# A dense kernel, a bias and a convolution kernel (Keras's HWIO layout): the tensors an
# optimizer meets in the tutorials' models, with a 1-d and a 4-d one among them.
SHAPES = {"kernel": (7, 5), "bias": (5,), "filters": (3, 3, 2, 4)}
# Weights this small keep float64 able to resolve the smallest update measured (Adadelta's
# default, ~1e-6) to far better than FLOAT64_AGREEMENT: one float64 ulp of 0.2 is 3e-17.
WEIGHT_SCALE = 0.05
# Gradient sizes per tensor: clipnorm=1.0 clips the kernel and the filters but not the bias,
# global_clipnorm clips all three together, clipvalue=0.5 clips many entries of the larger two.
GRADIENT_SCALES = {"kernel": 1.0, "bias": 0.1, "filters": 3.0}
SEED = 0

Snapshots = list[dict[str, np.ndarray]]

# Every optimizer and option, measured against live Keras (tests/keras_compat/test_optimizers.py,
# scripts/conformance.py); the random models draw their optimizers from here too.
OPTIMIZER_CONFORMANCE_CASES: list[tuple[str, OptimizerSpec]] = [
    ("SGD", SGD()),
    ("SGD(momentum=0.9)", SGD(momentum=0.9)),
    ("SGD(momentum=0.9, nesterov=True)", SGD(momentum=0.9, nesterov=True)),
    ("SGD(weight_decay=0.01)", SGD(weight_decay=0.01)),
    ("SGD(momentum=0.9, clipnorm=1.0)", SGD(momentum=0.9, clipnorm=1.0)),
    (
        "SGD(learning_rate=PiecewiseConstantDecay([1], [0.1, 0.01]), momentum=0.5)",
        SGD(learning_rate=PiecewiseConstantDecay(boundaries=(1,), values=(0.1, 0.01)), momentum=0.5),
    ),
    ("Adam", Adam()),
    ("Adam(amsgrad=True)", Adam(amsgrad=True)),
    ("Adam(clipvalue=0.5)", Adam(clipvalue=0.5)),
    ("Adam(global_clipnorm=1.0)", Adam(global_clipnorm=1.0)),
    (
        "Adam(learning_rate=ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5))",
        Adam(learning_rate=ExponentialDecay(initial_learning_rate=0.01, decay_steps=2, decay_rate=0.5)),
    ),
    (
        "Adam(learning_rate=CosineDecay(0.01, decay_steps=2))",
        Adam(learning_rate=CosineDecay(initial_learning_rate=0.01, decay_steps=2)),
    ),
    ("AdamW(weight_decay=0.004)", AdamW(weight_decay=0.004)),
    (
        "AdamW(weight_decay=0.1, amsgrad=True, learning_rate=CosineDecay(0.01, decay_steps=4))",
        AdamW(weight_decay=0.1, amsgrad=True, learning_rate=CosineDecay(initial_learning_rate=0.01, decay_steps=4)),
    ),
    ("RMSprop", RMSprop()),
    ("RMSprop(centered=True)", RMSprop(centered=True)),
    ("RMSprop(momentum=0.9)", RMSprop(momentum=0.9)),
    ("RMSprop(centered=True, momentum=0.9)", RMSprop(centered=True, momentum=0.9)),
    (
        "RMSprop(learning_rate=ExponentialDecay(0.01, 1, 0.9, staircase=True), weight_decay=0.05)",
        RMSprop(
            learning_rate=ExponentialDecay(initial_learning_rate=0.01, decay_steps=1, decay_rate=0.9, staircase=True),
            weight_decay=0.05,
        ),
    ),
    ("Adagrad", Adagrad()),
    ("Adagrad(initial_accumulator_value=0.5, clipnorm=0.5)", Adagrad(initial_accumulator_value=0.5, clipnorm=0.5)),
    ("Adagrad(learning_rate=0.1, weight_decay=0.01)", Adagrad(learning_rate=0.1, weight_decay=0.01)),
    ("Adadelta", Adadelta()),
    (
        "Adadelta(learning_rate=1.0, rho=0.9, global_clipnorm=2.0)",
        Adadelta(learning_rate=1.0, rho=0.9, global_clipnorm=2.0),
    ),
    ("Adamax", Adamax()),
    (
        "Adamax(learning_rate=CosineDecay(0.01, 2, alpha=0.1, warmup_target=0.02, warmup_steps=1), clipvalue=0.5)",
        Adamax(
            learning_rate=CosineDecay(
                initial_learning_rate=0.01, decay_steps=2, alpha=0.1, warmup_target=0.02, warmup_steps=1
            ),
            clipvalue=0.5,
        ),
    ),
    ("Nadam", Nadam()),
    ("Nadam(weight_decay=0.01, clipnorm=1.0)", Nadam(weight_decay=0.01, clipnorm=1.0)),
    (
        "Nadam(learning_rate=PiecewiseConstantDecay([0, 1], [0.01, 0.005, 0.002]), global_clipnorm=1.0)",
        Nadam(
            learning_rate=PiecewiseConstantDecay(boundaries=(0, 1), values=(0.01, 0.005, 0.002)),
            global_clipnorm=1.0,
        ),
    ),
]



def starting_point(steps: int, seed: int = SEED) -> tuple[dict[str, np.ndarray], Snapshots]:
    """Float32 starting weights and one float32 gradient per tensor for each step, seeded."""
    generator = np.random.default_rng(seed)

    def draw(scales: dict) -> dict[str, np.ndarray]:
        values = {name: scales[name] * generator.standard_normal(shape) for name, shape in SHAPES.items()}
        return {name: value.astype(np.float32) for name, value in values.items()}

    start = draw(dict.fromkeys(SHAPES, WEIGHT_SCALE))
    gradients = [draw(GRADIENT_SCALES) for _ in range(steps)]
    return start, gradients


def keras_optimizer_steps(spec: OptimizerSpec, start: dict, gradients: Snapshots, dtype: str) -> Snapshots:
    """Weights after each ``apply_gradients`` of the live Keras optimizer the spec describes.

    floatx is ``dtype`` while it runs, so Keras's learning-rate variable has the variables'
    dtype, as the port assumes (a float32 model in float32, a float64 one in float64)."""
    import keras

    previous = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        optimizer = keras.optimizers.get(keras_optimizer_config(spec))
        variables = [keras.Variable(start[name].astype(dtype), dtype=dtype, name=name) for name in SHAPES]
        snapshots = []
        for step_gradients in gradients:
            tensors = [keras.ops.convert_to_tensor(step_gradients[name].astype(dtype)) for name in SHAPES]
            optimizer.apply_gradients(zip(tensors, variables))
            snapshots.append({name: np.array(variable.numpy()) for name, variable in zip(SHAPES, variables)})
    finally:
        keras.config.set_floatx(previous)
    return snapshots


def port_optimizer_steps(spec: OptimizerSpec, start: dict, gradients: Snapshots, dtype: str) -> Snapshots:
    """Weights after each ``step()`` of the port's optimizer, gradients set as ``.grad``."""
    torch_dtype = getattr(torch, dtype)
    # torch.tensor copies: the steps must not write into the shared starting arrays.
    parameters = {name: torch.nn.Parameter(torch.tensor(start[name], dtype=torch_dtype)) for name in SHAPES}
    optimizer = build_optimizer(spec, list(parameters.values()))
    snapshots = []
    for step_gradients in gradients:
        for name, parameter in parameters.items():
            parameter.grad = torch.tensor(step_gradients[name], dtype=torch_dtype)
        optimizer.step()
        snapshots.append({name: parameter.detach().numpy().copy() for name, parameter in parameters.items()})
    return snapshots


def _keyed(snapshots: Snapshots) -> dict[str, np.ndarray]:
    """Weights after each step as one dict, 'step k/name' -> array."""
    keyed = {}
    for step, snapshot in enumerate(snapshots, start=1):
        keyed.update({f"step {step}/{name}": value for name, value in snapshot.items()})
    return keyed


def measure_optimizer(spec: OptimizerSpec, steps: int = 3) -> dict:
    """``steps`` steps of the port and of Keras, each in float32 and float64, from the same
    float32 starting weights and gradients. Returns the float64 pair's difference (relative to
    each tensor's update) and the float32 comparison against the float64 truth."""
    start, gradients = starting_point(steps)
    runs = [
        _keyed(run(spec, start, gradients, dtype))
        for dtype in ("float32", "float64")
        for run in (port_optimizer_steps, keras_optimizer_steps)
    ]
    before = {f"step {step}/{name}": start[name] for step in range(1, steps + 1) for name in SHAPES}
    comparison: TruthComparison = compare_updates(before, *runs)
    return {"float64_difference": comparison.float64_difference, "comparison": comparison}
