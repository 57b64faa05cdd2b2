"""Every Keras optimizer and option against live Keras 3 (TensorFlow backend): the update after
3 steps (float64 agreement, float32 judged by the float64 truth), the compiled update against
the eager one, the config round trip, Keras's defaults and the options the port refuses."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json

import pytest
import torch
from torch._dynamo.utils import counters

from lightning_port.evidence.parity.truth import FLOAT64_AGREEMENT
from lightning_port.keras_compat import defaults as keras_defaults
from lightning_port.keras_compat.losses import KerasLoss
from lightning_port.evidence.conformance.optimizers import OPTIMIZER_CONFORMANCE_CASES
from lightning_port.keras_compat.optimizers import (
    UnsupportedOptimizerOption,
    build_optimizer,
    keras_optimizer_config,
    optimizer_from_keras_config,
)
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
    PiecewiseConstantDecay,
    RMSprop,
)
from lightning_port.training.compiled_step import CompiledTrainingStep

pytestmark = pytest.mark.parity

OPTIMIZER_SPECS = (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)
SCHEDULE_SPECS = (ExponentialDecay, PiecewiseConstantDecay, CosineDecay)
# get_config() keys with no spec field: the instance's name, and the options the port refuses
# (with the EMA settings that act only through use_ema).
KERAS_KEYS_WITHOUT_A_FIELD = {
    "name", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
}
LABELLED_CASES = [pytest.param(label, spec, id=label) for label, spec in OPTIMIZER_CONFORMANCE_CASES]
CASES = [pytest.param(spec, id=label) for label, spec in OPTIMIZER_CONFORMANCE_CASES]


@pytest.mark.parametrize("label, spec", LABELLED_CASES)
def test_three_steps_match_keras(label, spec, keras_tensorflow, parity):
    from lightning_port.evidence.conformance.optimizers import measure_optimizer

    measurement = measure_optimizer(spec, steps=3)
    comparison = measurement["comparison"]
    entry = parity.record_truth(f"optimizer: {label}, 3 steps (float32 vs float64 truth)", "conformance", comparison)
    float64_difference = measurement["float64_difference"]
    assert float64_difference <= FLOAT64_AGREEMENT, f"float64 results differ by {float64_difference:.2e}"
    assert entry.passed, entry.line()


# Schedules, weight decay, each clip and every optimizer's own step scalars (Adam's alpha,
# Adamax's bias correction, Nadam's momentum schedule) through the --compile graph.
COMPILED_CASES = [
    Nadam(
        learning_rate=CosineDecay(initial_learning_rate=0.01, decay_steps=2, warmup_target=0.02, warmup_steps=1),
        weight_decay=0.01,
        clipnorm=1.0,
    ),
    SGD(
        learning_rate=ExponentialDecay(initial_learning_rate=0.1, decay_steps=1, decay_rate=0.5),
        momentum=0.9,
        nesterov=True,
        global_clipnorm=1.0,
    ),
    Adamax(
        learning_rate=PiecewiseConstantDecay(boundaries=(1,), values=(0.01, 0.005)), clipvalue=0.5, weight_decay=0.01
    ),
    AdamW(learning_rate=ExponentialDecay(initial_learning_rate=0.01, decay_steps=2, decay_rate=0.5), weight_decay=0.1),
]
# Kernel fusion rounds differently from eager in the last bits (float32): a few ulps of the
# weights after 3 steps. Measured: up to 7e-8 of the weights' scale.
COMPILED_WEIGHT_TOLERANCE = 1e-6


@pytest.mark.parametrize("spec", COMPILED_CASES, ids=[type(spec).__name__ for spec in COMPILED_CASES])
def test_compiled_update_matches_eager(spec):
    """CompiledTrainingStep feeds the step's scalars as 0-d tensors: a schedule that changes
    every step neither recompiles the graph nor changes the arithmetic."""
    generator = torch.Generator().manual_seed(0)
    batches = [(torch.randn(8, 4, generator=generator), torch.randn(8, 3, generator=generator)) for _ in range(3)]
    loss = KerasLoss("mean_squared_error")
    torch.manual_seed(1)
    compiled_model = torch.nn.Linear(4, 3)
    eager_model = copy.deepcopy(compiled_model)
    compiled_step = CompiledTrainingStep(compiled_model, build_optimizer(spec, compiled_model.parameters()), loss)
    eager_optimizer = build_optimizer(spec, eager_model.parameters())
    graphs_after_first_step = None
    for inputs, targets in batches:
        compiled_step(inputs, targets)
        graphs_after_first_step = graphs_after_first_step or counters["stats"]["unique_graphs"]
        eager_optimizer.zero_grad()
        loss(eager_model(inputs), targets).backward()
        eager_optimizer.step()
    assert counters["stats"]["unique_graphs"] == graphs_after_first_step, "a later step recompiled the graph"
    for compiled, eager in zip(compiled_model.parameters(), eager_model.parameters()):
        difference = ((compiled - eager).abs().max() / eager.abs().max()).item()
        assert difference <= COMPILED_WEIGHT_TOLERANCE, f"compiled vs eager: {difference:.2e} of the weights' scale"


@pytest.mark.parametrize("spec", CASES)
def test_keras_config_round_trips(spec, keras_tensorflow):
    """spec -> Keras optimizer -> get_config() (and the JSON a .keras file stores) -> spec."""
    keras = keras_tensorflow
    optimizer = keras.optimizers.get(keras_optimizer_config(spec))
    assert type(optimizer).__name__ == type(spec).__name__
    assert optimizer_from_keras_config(type(optimizer).__name__, optimizer.get_config()) == spec
    stored = json.loads(json.dumps(keras.optimizers.serialize(optimizer)))
    assert optimizer_from_keras_config(stored["class_name"], stored["config"]) == spec


def _keras_class(keras, spec_class):
    if spec_class in SCHEDULE_SPECS:
        return getattr(keras.optimizers.schedules, spec_class.__name__)
    return getattr(keras.optimizers, spec_class.__name__)


@pytest.mark.parametrize("spec_class", OPTIMIZER_SPECS + SCHEDULE_SPECS, ids=lambda spec_class: spec_class.__name__)
def test_spec_fields_and_defaults_are_keras_own(spec_class, keras_tensorflow):
    keras = keras_tensorflow
    keras_class = _keras_class(keras, spec_class)
    parameters = inspect.signature(keras_class.__init__).parameters
    for field in dataclasses.fields(spec_class):
        keras_default = parameters[field.name].default
        spec_default = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert spec_default == keras_default and type(spec_default) is type(keras_default), field.name
    if spec_class in OPTIMIZER_SPECS:
        assert spec_class.keras_name == spec_class.__name__.lower()
        assert isinstance(keras.optimizers.get(spec_class.keras_name), keras_class)
        config = keras_class().get_config()
        assert {field.name for field in dataclasses.fields(spec_class)} == set(config) - KERAS_KEYS_WITHOUT_A_FIELD
        # get_config() gives the float32 learning-rate variable back (0.0010000000474974513).
        assert optimizer_from_keras_config(keras_class.__name__, config) == spec_class()


# Constant-name prefix in keras_compat.defaults -> the Keras classes whose __init__ sets it.
_PREFIXES = {
    "OPTIMIZER": tuple(spec.__name__ for spec in OPTIMIZER_SPECS if spec is not AdamW),
    "SGD": ("SGD",), "ADAM": ("Adam",), "ADAMW": ("AdamW",), "RMSPROP": ("RMSprop",), "ADAGRAD": ("Adagrad",),
    "ADADELTA": ("Adadelta",), "ADAMAX": ("Adamax",), "NADAM": ("Nadam",),
    "EXPONENTIAL_DECAY": ("schedules.ExponentialDecay",),
    "PIECEWISE_CONSTANT_DECAY": ("schedules.PiecewiseConstantDecay",),
    "COSINE_DECAY": ("schedules.CosineDecay",),
}
_SUFFIX = "_KERAS_DEFAULT"


def _mirrored_optimizer_defaults():
    for name in sorted(vars(keras_defaults)):
        prefixes = [prefix for prefix in _PREFIXES if name.startswith(prefix + "_") and name.endswith(_SUFFIX)]
        if prefixes:
            prefix = max(prefixes, key=len)
            yield name, _PREFIXES[prefix], name[len(prefix) + 1 : -len(_SUFFIX)].lower()


def test_mirrored_optimizer_defaults_are_still_keras_defaults(keras_tensorflow):
    keras = keras_tensorflow
    checked = 0
    for constant, class_paths, parameter in _mirrored_optimizer_defaults():
        for class_path in class_paths:
            keras_class = keras.optimizers
            for part in class_path.split("."):
                keras_class = getattr(keras_class, part)
            keras_default = inspect.signature(keras_class.__init__).parameters[parameter].default
            where = f"{constant} vs keras.optimizers.{class_path}({parameter}=...)"
            assert getattr(keras_defaults, constant) == keras_default, where
            checked += 1
    assert checked >= 40  # every optimizer and schedule default the specs use


def _refusals(keras):
    """(class name, Keras config, the option the message must name)."""
    optimizers, schedules = keras.optimizers, keras.optimizers.schedules
    adam = optimizers.Adam().get_config()
    exponential = schedules.serialize(schedules.ExponentialDecay(0.01, 10, 0.9))
    polynomial = schedules.serialize(schedules.PolynomialDecay(0.01, 10))
    return [
        ("Adam", optimizers.Adam(use_ema=True).get_config(), "use_ema"),
        ("SGD", optimizers.SGD(loss_scale_factor=128.0).get_config(), "loss_scale_factor"),
        ("RMSprop", optimizers.RMSprop(gradient_accumulation_steps=4).get_config(), "gradient_accumulation_steps"),
        ("Adam", {**adam, "decay": 0.01}, "decay"),
        ("Lion", optimizers.Lion().get_config(), "Lion"),
        ("Ftrl", optimizers.Ftrl().get_config(), "Ftrl"),
        ("Adam", {**adam, "learning_rate": polynomial}, "PolynomialDecay"),
        ("Adam", {**adam, "learning_rate": {**exponential, "config": {**exponential["config"], "cycle": True}}}, "cycle"),
        ("Adam", {**adam, "learning_rate": {**exponential, "registered_name": "Custom>Decay"}}, "ExponentialDecay"),
    ]


def test_unsupported_options_are_refused_in_one_line(keras_tensorflow):
    for class_name, config, option in _refusals(keras_tensorflow):
        with pytest.raises(UnsupportedOptimizerOption) as refused:
            optimizer_from_keras_config(class_name, config)
        message = str(refused.value)
        assert "\n" not in message and class_name in message and option in message, message
        assert isinstance(refused.value, ValueError)


def test_what_keras_refuses_the_port_refuses():
    """Keras's own constructor checks: one clip option at most; AdamW needs a weight decay."""
    parameter = torch.nn.Parameter(torch.zeros(3))
    with pytest.raises(ValueError, match="only one of clipnorm, clipvalue and global_clipnorm"):
        build_optimizer(Adam(clipnorm=1.0, clipvalue=0.5), [parameter])
    with pytest.raises(ValueError, match="AdamW: weight_decay"):
        build_optimizer(AdamW(weight_decay=None), [parameter])
