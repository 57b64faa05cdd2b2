"""Every supported layer configuration and loss, and seeded random Sequential models, against
live Keras: forward outputs, gradients and optimizer steps, float64 and float32 (the
float64-truth criterion, lightning_port/evidence/parity/truth.py).

The default suite runs the first case of every layer kind and the first random models; make
parity runs all of them (and scripts/conformance.py writes docs/conformance.md from them).
"""

from __future__ import annotations

import math

import pytest

from lightning_port.evidence.conformance.layers import layer_cases, loss_cases, measure_case
from lightning_port.evidence.conformance.random_models import port_and_measure, random_model
from lightning_port.spec.losses import resolve_loss

pytestmark = pytest.mark.parity

RANDOM_MODELS = 220  # make parity; at least 200 by the porting issue
RANDOM_MODELS_IN_DEFAULT_SUITE = 20
# Known gap, measured: on random models, a handful of optimizer-step rows exceed 2 x Keras's
# error. Both frameworks' float64 updates agree (to 1e-10), and both float32 errors are large
# there: Adam-like optimizers divide each component by its own gradient's size, so components
# whose true gradient is below float32's resolution get updates of arbitrary size in either
# framework, and which one meets more of them is chance. Measured over 220 models, 3 steps
# each: 1 row, ratio 3.79 (seed 179, Adamax), with one thread and with two. Asserted: at most
# 2% of the models (rounded up: 1 of the default suite's 20), none above 4 x Keras's error,
# and never on forward outputs or gradients.
STEP_ROW_GAP_FRACTION = 0.02
STEP_ROW_GAP_RATIO = 4.0


def _cases():
    cases, seen = [], set()
    for case in layer_cases() + loss_cases():
        first = case.group not in seen or case.group == "loss"
        seen.add(case.group)
        cases.append(pytest.param(case, id=f"{case.group}: {case.label}", marks=() if first else pytest.mark.slow))
    return cases


@pytest.mark.parametrize("case", _cases())
def test_layer_and_loss_conformance(case, keras_tensorflow, parity):
    for measurement in measure_case(case):
        comparison = measurement.comparison
        if comparison is None:
            continue
        entry = parity.record_truth(f"conformance: {case.group}: {case.label}: {measurement.quantity}", "conformance", comparison, detail=measurement.note)
        assert comparison.float64_agrees and entry.passed, entry.line()


def _random_model_results(seeds, directory):
    results = []
    for seed in seeds:
        model = random_model(seed)
        read, measurements = port_and_measure(model, directory)
        results.append((model, read, measurements))
    return results


def _check_random_models(seeds, tmp_path, parity):
    results = _random_model_results(seeds, tmp_path)
    step_gaps = []
    for model, read, measurements in results:
        # The port's reader gives back what was built: the same layers, optimizer and loss.
        assert read.recipe.layers == model.layers, model.describe()
        assert read.recipe.optimizer == model.optimizer, model.describe()
        assert read.recipe.loss_spec == resolve_loss(model.loss), model.describe()
        assert {m.quantity for m in measurements} >= {"forward outputs", "gradients", "3 optimizer steps (update)"}, model.describe()
        for measurement in measurements:
            comparison = measurement.comparison
            if comparison is None:
                continue
            assert comparison.float64_agrees, f"{model.describe()}: {measurement.quantity}: float64 difference {comparison.float64_difference:.2e}"
            if comparison.passed:
                continue
            assert "optimizer steps" in measurement.quantity, f"{model.describe()}: {measurement.quantity} port {comparison.port_error:.2e} Keras {comparison.keras_error:.2e}"
            step_gaps.append((model.seed, comparison.ratio))
    worst = max((ratio for _, ratio in step_gaps), default=0.0)
    detail = f"{len(results)} random models, {len(results) - len(step_gaps)} with every row within 2 x Keras; step rows beyond it: {step_gaps}"
    allowed = math.ceil(STEP_ROW_GAP_FRACTION * len(results))
    entry = parity.record("random models: optimizer-step rows beyond 2 x Keras", "conformance", len(step_gaps), allowed, detail=detail)
    assert entry.passed and worst <= STEP_ROW_GAP_RATIO, detail


def test_random_models_default_suite_part(keras_tensorflow, tmp_path, parity):
    _check_random_models(range(RANDOM_MODELS_IN_DEFAULT_SUITE), tmp_path, parity)


@pytest.mark.slow
def test_random_models_all(keras_tensorflow, tmp_path, parity):
    _check_random_models(range(RANDOM_MODELS_IN_DEFAULT_SUITE, RANDOM_MODELS), tmp_path, parity)
