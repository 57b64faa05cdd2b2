"""Names in exported code: classes after the recipe or the Keras model, Python identifiers from
Keras's layer and input names, and the import block of a file."""

from __future__ import annotations

import builtins
import keyword
import re
import sys

# Names an exported file uses itself: a local variable must not shadow them.
RESERVED = {"self", "torch", "nn", "F", "np", "L", "math", "x"} | set(dir(builtins))


def class_name(name: str) -> str:
    """``mnist_mlp`` -> ``MnistMlp``; ``toy_resnet`` -> ``ToyResnet``."""
    words = [word for word in re.split(r"[^0-9A-Za-z]+", name) if word]
    text = "".join(word[:1].upper() + word[1:] for word in words) or "Model"
    return f"Model{text}" if text[0].isdigit() else text


def identifier(name: str, taken: set[str]) -> str:
    """A Python identifier for a Keras name, not in ``taken`` (which it joins)."""
    text = re.sub(r"\W+", "_", name).strip("_") or "tensor"
    text = f"x_{text}" if text[0].isdigit() else text
    if keyword.iskeyword(text) or text in RESERVED:
        text += "_"
    base, count = text, 1
    while text in taken:
        count += 1
        text = f"{base}_{count}"
    taken.add(text)
    return text


def _by_type(name: str) -> tuple:
    """isort's order_by_type: CONSTANTS, then Classes, then functions and variables."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def _module(line: str) -> str:
    return line.split()[1]


def _group(line: str) -> int:
    top = _module(line).split(".")[0]
    if top in sys.stdlib_module_names:
        return 0
    if top in ("model", "keras_rules", "module", "data"):
        return 2
    return 1


def import_block(lines) -> str:
    """Import lines, deduplicated, in isort's order: standard library, third party, the export's
    own files; ``import x`` before ``from x import y`` in each; ``from`` imports of one module merged."""
    straight, merged = set(), {}
    for line in lines:
        if line.startswith("from "):
            module, names = line[len("from "):].split(" import ")
            merged.setdefault(module, set()).update(name.strip() for name in names.split(","))
        else:
            straight.add(line)
    entries = list(straight) + [f"from {module} import {', '.join(sorted(names, key=_by_type))}" for module, names in merged.items()]
    groups: list[list[str]] = [[], [], []]
    for line in entries:
        groups[_group(line)].append(line)
    blocks = []
    for group in groups:
        if group:
            ordered = sorted(group, key=lambda line: (line.startswith("from "), _module(line).lower()))
            blocks.append("\n".join(ordered))
    return "\n\n".join(blocks)
