"""Measuring the conformance table: every layer configuration, loss and optimizer option the
port claims, and seeded random models, against live Keras. One row per measured quantity, as
plain JSON (``scripts/conformance.py`` writes it; ``render.py`` turns it into docs/conformance.md).

Keras is imported lazily; the caller selects its backend first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from lightning_port.evidence.conformance.layers import layer_cases, loss_cases, measure_case
from lightning_port.evidence.conformance.optimizers import OPTIMIZER_CONFORMANCE_CASES, measure_optimizer
from lightning_port.evidence.conformance.random_models import port_and_measure, random_model
from lightning_port.evidence.parity.truth import FLOAT64_AGREEMENT, KERAS_ERROR_FACTOR, TruthComparison

OPTIMIZER_STEPS = 3  # as the porting issue asks: forward, gradients and 3 optimizer steps


def _row(section: str, group: str, configuration: str, quantity: str, comparison: TruthComparison) -> dict:
    return {
        "section": section,
        "group": group,
        "configuration": configuration,
        "quantity": quantity,
        "float64_difference": comparison.float64_difference,
        "port_error": comparison.port_error,
        "keras_error": comparison.keras_error,
        "floor": comparison.floor,
        "bound": comparison.bound,
        "ratio": comparison.ratio,
        "float64_agrees": comparison.float64_agrees,
        "passed": comparison.passed and comparison.float64_agrees,
    }


def measure_layers_and_losses(progress: Callable[[str], None] = print) -> list[dict]:
    rows = []
    for case in layer_cases() + loss_cases():
        section = "loss" if case.group == "loss" else "layer"
        for measurement in measure_case(case):
            if measurement.comparison is not None:
                rows.append(_row(section, case.group, case.label, measurement.quantity, measurement.comparison))
        progress(f"{section} {case.group}: {case.label}")
    return rows


def measure_optimizers(progress: Callable[[str], None] = print) -> list[dict]:
    rows = []
    for label, spec in OPTIMIZER_CONFORMANCE_CASES:
        comparison = measure_optimizer(spec, steps=OPTIMIZER_STEPS)["comparison"]
        rows.append(_row("optimizer", type(spec).__name__, label, f"{OPTIMIZER_STEPS} optimizer steps", comparison))
        progress(f"optimizer {label}")
    return rows


def _measure_seeded(count: int, make, measure, what: str, progress: Callable[[str], None]) -> list[dict]:
    """One entry per seed: the model's description and every quantity's row (section ``what``)."""
    models = []
    with tempfile.TemporaryDirectory() as directory:
        for seed in range(count):
            model = make(seed)
            _, measurements = measure(model, directory)
            rows = [
                _row(what, f"seed {seed}", model.describe(), measurement.quantity, measurement.comparison)
                for measurement in measurements
                if measurement.comparison is not None
            ]
            models.append({"seed": seed, "model": model.describe(), "optimizer": repr(model.optimizer), "rows": rows})
            progress(f"{what} {seed}: {'ok' if all(row['passed'] for row in rows) else 'beyond the bound'}")
    return models


def measure_random_models(count: int, progress: Callable[[str], None] = print) -> list[dict]:
    """One entry per seeded random Sequential model: its description and every quantity's row."""
    return _measure_seeded(count, random_model, port_and_measure, "random model", progress)


def measure_random_recurrent(count: int, progress: Callable[[str], None] = print) -> list[dict]:
    """One entry per seeded random recurrent model (``random_recurrent.py``): its description and
    every quantity's row."""
    from lightning_port.evidence.conformance.random_recurrent import port_and_measure_recurrent, random_recurrent

    return _measure_seeded(count, random_recurrent, port_and_measure_recurrent, "random recurrent model", progress)


def criterion() -> dict:
    """The thresholds the rows were judged by, stored with them."""
    return {"float64_agreement": FLOAT64_AGREEMENT, "keras_error_factor": KERAS_ERROR_FACTOR}
