"""``keras_rules.py``: the Keras behaviour one exported model needs and torch does not give, each
definition with a comment or docstring saying what differs and why; nothing the model does not
use (the rules come from its layer kinds, its activations, its loss, optimizer and data)."""

from __future__ import annotations

from lightning_port.export.naming import import_block
from lightning_port.layers.emit import Rule


def ordered_rules(rules) -> list[Rule]:
    """Each rule once, those it calls before it, otherwise in the order given."""
    ordered: dict[str, Rule] = {}

    def visit(rule: Rule) -> None:
        if rule.name in ordered:
            return
        for required in rule.requires:
            visit(required)
        ordered[rule.name] = rule

    for rule in rules:
        visit(rule)
    return list(ordered.values())


def rules_source(name: str, rules) -> str:
    rules = ordered_rules(rules)
    imports = {line for rule in rules for line in rule.imports}
    header = (
        f'"""Keras behaviour that {name} needs and torch does not give (exported by lightning-port, scripts/export.py).\n\n'
        "Each definition says what Keras computes differently from torch's own layer, loss or optimizer,\n"
        'and why it matters: these are the lines that make the port compute what the Keras listing does."""'
    )
    definitions = "\n\n\n".join(rule.source.rstrip("\n") for rule in rules)
    return f"{header}\n\n{import_block(imports)}\n\n\n{definitions}\n"
