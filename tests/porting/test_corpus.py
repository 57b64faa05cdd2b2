"""docs/corpus.md, the committed tutorial corpus: rendered from the committed measurements
(docs/corpus.json) by today's renderer, at least 15 models each naming its tutorial, every
refusal a one-line reason, every corpus module measured; the modules import only Keras and
NumPy. Live: a few fast corpus models ported again give the committed outcome.
``make corpus`` rewrites both files."""

from __future__ import annotations

import ast
import json

import pytest

from lightning_port.cli.corpus import main as corpus_main
from lightning_port.evidence.corpus.modules import CORPUS_PACKAGE, SOURCE_KEYS, SOURCE_KINDS, corpus_names
from lightning_port.evidence.corpus.outcomes import BEYOND_BOUND, OUTCOMES, PORT_FAILED, REFUSED, is_ported
from lightning_port.evidence.corpus.render import corpus_markdown, headline, reason_group, short_reason
from tests.conftest import REPOSITORY_ROOT

DOCS = REPOSITORY_ROOT / "docs"
CORPUS_FOLDER = REPOSITORY_ROOT / "keras_reference" / "corpus"
MINIMUM_MODELS = 15  # the "at least 15 models"
# Fast to port (about a second each once Keras is loaded): a Functional model measured in full,
# a nested Sequential measured on its forward outputs, and a refusal.
LIVE_MODELS = ["functional_api_mnist", "fashion_mnist_probability_model", "siamese_contrastive"]
ALLOWED_IMPORTS = {"keras", "numpy", "__future__"}


@pytest.fixture(scope="module")
def measured() -> dict:
    return json.loads((DOCS / "corpus.json").read_text())


def _module_tree(name: str) -> ast.Module:
    path = CORPUS_FOLDER / f"{name}.py"
    return ast.parse(path.read_text(), str(path))


def _source_literal(name: str) -> dict:
    """A module's SOURCE, read without importing it (importing imports Keras)."""
    for node in _module_tree(name).body:
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "SOURCE" for target in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{CORPUS_PACKAGE}.{name} defines no SOURCE")


def test_the_page_is_the_rendering_of_the_measurements(measured):
    assert (DOCS / "corpus.md").read_text() == corpus_markdown(measured), "re-render: python scripts/corpus.py --render-only"
    assert measured["stamp"]["commit"] and measured["stamp"]["measured_at"]
    assert headline(measured) in (DOCS / "corpus.md").read_text()


def test_at_least_15_models_each_naming_its_tutorial(measured):
    models = measured["models"]
    assert len(models) >= MINIMUM_MODELS
    for entry in models:
        source = entry["source"]
        assert set(source) == set(SOURCE_KEYS) and all(source[key] for key in SOURCE_KEYS), entry["name"]
        assert source["url"].startswith("https://"), (entry["name"], source["url"])
        assert source["kind"] in SOURCE_KINDS, (entry["name"], source["kind"])
    assert {entry["source"]["kind"] for entry in models} == set(SOURCE_KINDS)


def test_every_outcome_is_known_and_every_refusal_is_one_line(measured):
    for entry in measured["models"]:
        assert entry["outcome"] in OUTCOMES, entry["name"]
        # A port that crashes, or that ports and misses a parity row, is a defect to fix, not an outcome to keep.
        assert entry["outcome"] not in (PORT_FAILED, BEYOND_BOUND), (entry["name"], entry["outcome"], entry.get("reason"), entry.get("beyond_bound"))
        if is_ported(entry):
            assert entry["rows"] and entry["rows"][0]["quantity"] == "forward outputs", entry["name"]
        else:
            reason = entry["reason"]
            assert reason and "\n" not in reason and not reason.startswith("/"), (entry["name"], reason)
            assert ".keras:" not in reason, "the message keeps the scratch file's path"


def test_every_corpus_module_is_measured_with_its_own_source(measured):
    names = [entry["name"] for entry in measured["models"]]
    assert names == corpus_names(), "re-measure: python scripts/corpus.py (or --only NAME for a new module)"
    for entry in measured["models"]:
        assert entry["source"] == _source_literal(entry["name"]), entry["name"]


@pytest.mark.parametrize("name", corpus_names())
def test_a_corpus_module_imports_only_keras_and_numpy(name):
    """So keras_reference's layer stays as it is: the corpus depends on nothing of the port."""
    tree = _module_tree(name)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{name}: a relative import"
            imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "build_model" in defined
    assert ast.get_docstring(tree) and "Deviations:" in ast.get_docstring(tree), f"{name}: its docstring names the tutorial and lists the deviations"


def test_refusal_reasons_are_shortened_and_grouped_for_the_page():
    message = "node 'lstm' (LSTM): layer class LSTM is not supported; supported: Dense, Conv2D"
    assert short_reason(message) == "node 'lstm' (LSTM): layer class LSTM is not supported"
    assert reason_group(message) == "layer class LSTM"
    assert reason_group("Adam: unsupported learning_rate schedule InverseTimeDecay (supported: CosineDecay)") == "learning-rate schedule InverseTimeDecay"
    assert reason_group("node 'x' (Thing): something new") == "something new"


def test_render_only_rewrites_the_page_from_the_json(tmp_path, capsys):
    (tmp_path / "corpus.json").write_text((DOCS / "corpus.json").read_text())
    assert corpus_main(["--render-only", "--output-dir", str(tmp_path)]) == 0
    assert (tmp_path / "corpus.md").read_text() == (DOCS / "corpus.md").read_text()
    assert "ported" in capsys.readouterr().out


def test_an_unknown_model_is_a_one_line_error(tmp_path, capsys):
    assert corpus_main(["--only", "no_such_tutorial", "--output-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "no corpus model no_such_tutorial" in error
    assert not list(tmp_path.iterdir())


@pytest.mark.parity
@pytest.mark.parametrize("name", LIVE_MODELS)
def test_a_corpus_model_ported_again_gives_the_committed_outcome(name, measured, keras_tensorflow, tmp_path):
    from lightning_port.evidence.corpus.measure import measure_model

    committed = next(entry for entry in measured["models"] if entry["name"] == name)
    live = measure_model(name, tmp_path)
    assert live["outcome"] == committed["outcome"]
    assert live["model"] == committed["model"]
    if committed["outcome"] == REFUSED:
        assert live["reason"] == committed["reason"]
    else:
        assert [(row["quantity"], row["passed"]) for row in live["rows"]] == [(row["quantity"], row["passed"]) for row in committed["rows"]]
