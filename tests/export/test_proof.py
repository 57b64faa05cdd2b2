"""Item 3 of the export issue: each exported tutorial, run where lightning_port, Keras and
TensorFlow cannot be imported, (a) gives the framework backbone's outputs bit for bit, (b)
takes the framework module's training steps bit for bit (and its data.py serves the framework's
arrays), and (c) passes the float64-truth parity rows against live Keras. The quick tutorials
run in the default suite, the rest in make parity; and the proof can fail."""

from __future__ import annotations

import pytest
import torch

from lightning_port.export.exporter import export_recipe
from lightning_port.export.proof import prove_export
from lightning_port.models import build_backbone
from lightning_port.registry import get_recipe, model_names
from tests.export.test_examples import NOT_EXPORTED

pytestmark = pytest.mark.parity
QUICK = ("mnist_mlp", "pima_mlp")


def exported(name: str, folder, seed: int = 0):
    recipe = get_recipe(name)
    torch.manual_seed(seed)
    state = build_backbone(recipe).state_dict()
    return recipe, export_recipe(recipe, folder, state), state


def keras_twin(recipe, state):
    from lightning_port.evidence.parity.keras_models import build_keras_model
    from lightning_port.models.keras_weights import export_keras_weights

    backbone = build_backbone(recipe)
    backbone.load_state_dict(state)
    model = build_keras_model(recipe)
    model.set_weights(export_keras_weights(backbone))
    return model


def prove_tutorial(name, tmp_path, data_dir, parity):
    recipe, export, state = exported(name, tmp_path / name)
    report = prove_export(export, tmp_path / name, state, data_dir, keras_twin(recipe, state))
    for measurement in report.parity:
        parity.record_truth(f"export (c): {measurement.quantity}", name, measurement.comparison, detail=measurement.note)
    for check in report.checks:
        parity.record(f"export {check.name}", name, 0.0 if check.passed else 1.0, 0.0, detail=check.detail)
    assert report.passed, "\n".join(report.lines())
    names = [check.name for check in report.checks]
    assert names[:4] == ["isolation", f"(a) {'logits' if export.returns_logits else 'outputs'} of the framework backbone", "(a) predictions of the framework backbone", names[3]]
    assert any(name.startswith("(b) data.py") for name in names)
    assert len(report.parity) >= 3  # forward outputs, gradients, optimizer steps
    return report


@pytest.mark.parametrize("name", QUICK)
def test_a_quick_tutorials_export_is_its_port(name, tmp_path, data_dir, parity, keras_tensorflow):
    prove_tutorial(name, tmp_path, data_dir, parity)


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in model_names() if name not in QUICK and name not in NOT_EXPORTED])
def test_every_other_tutorials_export_is_its_port(name, tmp_path, data_dir, parity, keras_tensorflow):
    prove_tutorial(name, tmp_path, data_dir, parity)


def test_the_proof_fails_when_the_exported_update_is_not_keras(tmp_path, data_dir):
    """Move Adam's epsilon inside the square root (a plausible slip): (b) sees it."""
    _, export, state = exported("pima_mlp", tmp_path / "pima_mlp")
    rules = tmp_path / "pima_mlp" / "keras_rules.py"
    text = rules.read_text()
    assert '(state["velocity"].sqrt() + group["epsilon"])' in text
    rules.write_text(text.replace('(state["velocity"].sqrt() + group["epsilon"])', '(state["velocity"] + group["epsilon"]).sqrt()'))
    report = prove_export(export, tmp_path / "pima_mlp", state, data_dir)
    failed = [check.name for check in report.checks if not check.passed]
    assert failed == ["(b) 3 training steps of batch 10 of the framework module"], report.lines()


def test_the_proof_runs_where_lightning_port_cannot_be_imported(tmp_path):
    _, export, state = exported("pima_mlp", tmp_path / "pima_mlp")
    model = tmp_path / "pima_mlp" / "model.py"
    model.write_text("import lightning_port  # noqa: F401\n" + model.read_text())
    with pytest.raises(RuntimeError, match="No module named 'lightning_port'"):
        prove_export(export, tmp_path / "pima_mlp", state)
