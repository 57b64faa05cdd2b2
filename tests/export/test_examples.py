"""examples/: every registered tutorial's export is committed, and is what the exporter writes
today (regenerate with make examples); a tutorial the exporter refuses is listed in the index
with its one-line refusal; the exported files pass ruff with the project's settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lightning_port.export.examples import README, examples_readme, tutorial_exports
from lightning_port.export.exporter import FILES, ExportError, export_sources
from lightning_port.registry import get_recipe, model_names, recipes_in_order
from tests.conftest import REPOSITORY_ROOT

EXAMPLES = REPOSITORY_ROOT / "examples"
FIX = "regenerate with: make examples"
# Tutorials the exporter refuses, each for a layer kind without an export (LayerKind.emit), by
# name -> the kind: named here so that a tutorial losing its export fails the tests rather than
# leaving examples/. None today: every registered tutorial is exported.
NOT_EXPORTED: dict[str, str] = {}
EXPORTED = [name for name in model_names() if name not in NOT_EXPORTED]


@pytest.mark.parametrize("name", EXPORTED)
def test_the_committed_example_is_what_the_exporter_writes_today(name):
    recipe = next(recipe for recipe in recipes_in_order() if recipe.name == name)
    export = export_sources(recipe)
    folder = EXAMPLES / name
    assert folder.is_dir(), f"examples/{name} is missing; {FIX}"
    assert sorted(path.name for path in folder.iterdir() if path.name != "__pycache__") == sorted(FILES), f"examples/{name}: {FIX}"
    for file, text in export.files.items():
        assert (folder / file).read_text() == text, f"examples/{name}/{file} differs from today's export; {FIX}"


def test_the_index_lists_every_example_with_its_line_counts():
    exports, refused = tutorial_exports()
    assert sorted(refused) == sorted(NOT_EXPORTED)
    assert (EXAMPLES / README).read_text() == examples_readme(exports, refused), f"examples/{README} differs; {FIX}"
    assert sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir()) == sorted(EXPORTED)


def test_every_registered_tutorial_is_exported():
    assert sorted(EXPORTED) == sorted(model_names()) and "addition_rnn" in EXPORTED


@pytest.mark.parametrize("name", sorted(NOT_EXPORTED))  # an empty set: skipped
def test_a_tutorial_the_exporter_refuses_is_listed_with_its_one_line_refusal(name):
    with pytest.raises(ExportError) as refusal:
        export_sources(get_recipe(name))
    reason = str(refusal.value)
    assert "\n" not in reason and f"the exporter does not write {NOT_EXPORTED[name]} layers yet" in reason
    assert not (EXAMPLES / name).exists()
    assert f"- `{name}`: {reason}" in (EXAMPLES / README).read_text()


def ruff(*paths) -> subprocess.CompletedProcess:
    # The project's [tool.ruff] settings, line length enforced too (E501 is not in ruff's defaults).
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(REPOSITORY_ROOT / "pyproject.toml"), "--extend-select", "E501", *map(str, paths)],
        capture_output=True, text=True, cwd=REPOSITORY_ROOT, check=False,
    )


def test_the_examples_pass_ruff():
    completed = ruff(EXAMPLES)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


def test_ruff_finds_what_it_should():
    """The ruff check above can fail: an unused import and a long line in an exported file are found."""
    text = (EXAMPLES / "mnist_mlp" / "model.py").read_text()
    broken = REPOSITORY_ROOT / "examples" / ".ruff-probe.py"
    try:
        broken.write_text("import os\n" + text + "# " + "x" * 130 + "\n")
        output = ruff(broken).stdout
    finally:
        broken.unlink()
    assert "F401" in output and "E501" in output
