"""docs/conformance.md, the committed conformance table: rendered from the committed
measurements (docs/conformance.json) by today's renderer, covering every layer class, loss and
optimizer the port supports, every row within its bound, and the random models within the
known gap tests/porting/test_conformance.py asserts. ``make conformance`` rewrites both files.
"""

from __future__ import annotations

import json
import math
import typing

import pytest

from lightning_port.evidence.conformance.render import conformance_markdown
from lightning_port.layers.registry import layer_kinds
from lightning_port.spec.losses import LOSS_CLASSES
from lightning_port.spec.optimizers import OptimizerSpec
from tests.conftest import REPOSITORY_ROOT
from tests.porting.test_conformance import RANDOM_MODELS, STEP_ROW_GAP_FRACTION, STEP_ROW_GAP_RATIO

DOCS = REPOSITORY_ROOT / "docs"


@pytest.fixture(scope="module")
def measured() -> dict:
    return json.loads((DOCS / "conformance.json").read_text())


def test_the_page_is_the_rendering_of_the_measurements(measured):
    assert (DOCS / "conformance.md").read_text() == conformance_markdown(measured), "re-render: python scripts/conformance.py --render-only"
    assert measured["stamp"]["commit"] and measured["stamp"]["measured_at"]


def test_every_supported_layer_loss_and_optimizer_is_measured(measured):
    groups = {(row["section"], row["group"]) for row in measured["rows"]}
    layers = {group for section, group in groups if section == "layer"}
    # Activation layers are measured under "Activation", one row per activation function.
    supported = set(layer_kinds())
    assert supported <= layers | {"Activation"}, supported - layers
    losses = {row["configuration"] for row in measured["rows"] if row["section"] == "loss"}
    # A loss is named by its Keras string ("huber") or its class with options ("Huber(delta=0.3)").
    assert all(any(label.startswith((loss.keras_name, loss.__name__)) for label in losses) for loss in LOSS_CLASSES), losses
    optimizers = {group for section, group in groups if section == "optimizer"}
    assert {cls.__name__ for cls in typing.get_args(OptimizerSpec)} <= optimizers


def test_every_row_holds_its_bound(measured):
    """Recomputed from each row's own measurements, not read from its stored verdict."""
    criterion = measured["criterion"]
    failing = []
    for row in measured["rows"]:
        bound = criterion["keras_error_factor"] * row["keras_error"] + row["floor"]
        assert row["bound"] == pytest.approx(bound, rel=1e-9)
        if not (row["port_error"] <= bound and row["float64_difference"] <= criterion["float64_agreement"]):
            failing.append(f"{row['group']}: {row['configuration']}: {row['quantity']} ratio {row['ratio']}")
    assert not failing, failing


def test_random_models_within_the_measured_gap(measured):
    models = measured["random_models"]
    assert len(models) == RANDOM_MODELS
    beyond = [(model["seed"], row) for model in models for row in model["rows"] if not row["passed"]]
    assert all("optimizer" in row["quantity"] for _, row in beyond), beyond  # never forward outputs or gradients
    assert all(row["float64_agrees"] for _, row in beyond)
    assert all(row["ratio"] <= STEP_ROW_GAP_RATIO for _, row in beyond)
    assert len({seed for seed, _ in beyond}) <= math.ceil(STEP_ROW_GAP_FRACTION * len(models))
