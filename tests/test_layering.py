"""The package's layers, lowest first: no import (module-level or inside a function) may
reach a higher layer. This is the README's Layout section, checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY_ROOT

LAYERS: list[str] = [
    # plumbing: atomic writes, provenance, results, checkpoint files, child processes
    "lightning_port.support",
    # Keras's default values (plain constants)
    "lightning_port.keras_compat.defaults",
    # Keras's per-layer arithmetic in torch (activations, initializers, windows)
    "lightning_port.ops",
    # the layer kinds, their registry, and the graph of layer calls
    "lightning_port.layers",
    # the vocabulary recipes are written in
    "lightning_port.spec",
    # the recipes
    "lightning_port.recipes",
    # the one lookup by name
    "lightning_port.registry",
    # a run, resolved once by its entry point
    "lightning_port.run",
    # Keras's training rules in torch: losses, metrics, optimizers, augmentation
    "lightning_port.keras_compat",
    # the torch backbone and the Keras weight translation
    "lightning_port.models",
    # the data
    "lightning_port.data",
    # the Lightning side
    "lightning_port.training",
    # the tutorials' own Keras code
    "keras_reference",
    # parity measured against live Keras (below the port and the conformance table)
    "lightning_port.evidence.parity",
    # the comparison reports and their document model (the port's report uses both)
    "lightning_port.evidence.comparison",
    # a recipe as plain Lightning code, and the proof that it is the port (reads parity's Keras side)
    "lightning_port.export",
    # the porting tool
    "lightning_port.porting",
    # the conformance table (ports random models)
    "lightning_port.evidence.conformance",
    # the tutorial corpus (ports keras_reference/corpus's models)
    "lightning_port.evidence.corpus",
    # each tutorial's export trained from its own train.py (exports the recipe, reads the registry)
    "lightning_port.evidence.exports",
    # the benchmark, the GPU pipeline, shared statistics
    "lightning_port.evidence.benchmarking",
    "lightning_port.evidence.gpu",
    "lightning_port.evidence",
    # the command lines
    "lightning_port.cli",
    # developer tools run from a checkout, outside the installed package (e.g. the GPU transfer)
    "tools",
]


def layer_of(module: str) -> int | None:
    best, best_length = None, -1
    for index, prefix in enumerate(LAYERS):
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
            best, best_length = index, len(prefix)
    return best


def _modules():
    for package in ("lightning_port", "keras_reference", "tools"):
        for path in sorted((REPOSITORY_ROOT / package).rglob("*.py")):
            relative = path.relative_to(REPOSITORY_ROOT).with_suffix("")
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def _imports(module: str, path: Path):
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            for alias in node.names:
                # "from a.b import c" may import the module a.b.c: judge the most specific.
                yield (f"{target}.{alias.name}" if layer_of(f"{target}.{alias.name}") is not None else target), node.lineno


def test_every_module_has_a_layer():
    unplaced = [module for module, _ in _modules() if layer_of(module) is None and module not in ("lightning_port",)]
    assert not unplaced, f"modules outside every layer (add them to LAYERS and the README's Layout): {unplaced}"


def test_no_import_runs_back_up_the_layers():
    arrows = []
    for module, path in _modules():
        own = layer_of(module)
        if own is None:
            continue
        for target, line in _imports(module, path):
            other = layer_of(target)
            if other is not None and other > own:
                arrows.append(f"{path.relative_to(REPOSITORY_ROOT)}:{line}: {module} (layer {own}) imports {target} (layer {other})")
    print(f"{len(arrows)} import arrow(s) running back up")
    assert not arrows, "\n".join(arrows)


@pytest.mark.parametrize(
    "module, layer",
    [("lightning_port.cli.train", "lightning_port.cli"), ("lightning_port.spec.recipe", "lightning_port.spec"), ("keras_reference.run", "keras_reference"),
     ("lightning_port.keras_compat.defaults", "lightning_port.keras_compat.defaults"), ("lightning_port.keras_compat.losses", "lightning_port.keras_compat"),
     ("tools.gpu_evidence.transfer", "tools"), ("keras_reference.corpus.convmixer", "keras_reference"),
     ("lightning_port.evidence.corpus.measure", "lightning_port.evidence.corpus")],
)
def test_layer_lookup(module, layer):
    assert LAYERS[layer_of(module)] == layer


def test_the_installed_package_leaves_the_developer_tools_out():
    """What only serves moving files to a remote machine is not installed with the package."""
    import tomllib

    included = tomllib.loads((REPOSITORY_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(pattern.startswith("tools") for pattern in included)
    assert not list((REPOSITORY_ROOT / "lightning_port").rglob("transfer.py"))
