"""docs/corpus.md from the measured JSON (``measure.py`` measures, this file only renders).

One section function per part of the page, in the order they appear (``SECTIONS``)."""

from __future__ import annotations

import re

from lightning_port.evidence.comparison.document import Heading, Link, Paragraph, Table, to_markdown
from lightning_port.evidence.corpus.modules import SOURCE_KINDS
from lightning_port.evidence.corpus.outcomes import BEYOND_BOUND, NOT_SAVED, PORT_FAILED, PORTED, REFUSED, is_ported

# The page lives in docs/; the corpus modules in keras_reference/corpus/.
MODULE_LINK = "../keras_reference/corpus/{name}.py"
ROW_HEADERS = ["model", "quantity", "float64 |port - Keras|", "port float32 error", "Keras float32 error", "ratio", "bound", "verdict"]
# What a refusal is about, read from the port's message; the first pattern that matches names the group.
REASON_GROUPS = [
    (r"layer class (\w+) is not supported", "layer class {0}"),
    (r"an input without a fixed shape", "an input without a fixed shape (a sequence of any length)"),
    (r"a Lambda layer", "a Lambda layer (Python code)"),
    (r"\((TextVectorization|StringLookup|Hashing|HashedCrossing)\): \w+ (?:splits|works|looks|hashes)", "a string layer ({0})"),
    (r"option (\w+)=", "layer option {0}"),
    (r"unsupported learning_rate schedule (\w+)", "learning-rate schedule {0}"),
    (r"a call with training=\w+ fixed", "a layer call with `training` fixed in the file"),
    (r"name a tensor no layer makes", "a model input or output the port finds no layer making"),
]


def _number(value: float) -> str:
    return "0" if value == 0 else f"{value:.2e}"


def short_reason(reason: str) -> str:
    """The port's message without the list of supported classes it ends with."""
    return reason.split("; supported:")[0].split(" (supported:")[0]


def reason_group(reason: str) -> str:
    for pattern, label in REASON_GROUPS:
        match = re.search(pattern, reason)
        if match:
            return label.format(*match.groups())
    return short_reason(reason).split(": ")[-1]


def _measured_rows(entry: dict) -> list[dict]:
    return [row for row in entry["rows"] if row["port_error"] is not None]


def _forward_only(entry: dict) -> bool:
    return is_ported(entry) and all(row["quantity"] == "forward outputs" or row["port_error"] is None for row in entry["rows"])


def _uses(entry: dict) -> str:
    model = entry["model"]
    inputs, outputs = model["inputs"], model["outputs"]
    shape = f"{model['class']}, {inputs} input{'s' * (inputs > 1)}, {outputs} output{'s' * (outputs > 1)}, {model['layers']} layers, {model['parameters']:,} parameters"
    return "; ".join([shape, *model["structures"], ", ".join(model["layer_classes"])])


def _outcome(entry: dict) -> str:
    outcome = entry["outcome"]
    if outcome == PORTED:
        return "ported (forward outputs only: the tutorial never compiles it)" if _forward_only(entry) else "ported"
    if outcome == BEYOND_BOUND:
        return f"ported, rows beyond bound: {', '.join(entry['beyond_bound'])}"
    return f"{outcome}: {short_reason(entry['reason'])}"


def _worst_row(entry: dict) -> str:
    rows = _measured_rows(entry)
    if not rows:
        return "-"
    row = max(rows, key=lambda row: (row["passed"] is False, row["port_error"] / row["bound"]))
    verdict = "BEYOND BOUND" if row["passed"] is False else "within bound"
    return f"{row['quantity']}: {row['port_error'] / row['bound']:.2f} of its bound, {row['ratio']:.3g} x Keras's error ({verdict})"


def _counts(entries: list[dict]) -> dict[str, int]:
    return {outcome: sum(entry["outcome"] == outcome for entry in entries) for outcome in (PORTED, BEYOND_BOUND, REFUSED, PORT_FAILED, NOT_SAVED)}


def headline(measured: dict) -> str:
    entries = measured["models"]
    counts = _counts(entries)
    ported = counts[PORTED] + counts[BEYOND_BOUND]
    text = f"ported {ported} / refused {counts[REFUSED]} of {len(entries)}"
    others = [f"{counts[outcome]} {outcome}" for outcome in (PORT_FAILED, NOT_SAVED) if counts[outcome]]
    return text + (f" ({', '.join(others)})" if others else "")


def summary_section(measured: dict) -> list:
    entries = measured["models"]
    counts = _counts(entries)
    kinds = ", ".join(f"{sum(entry['source']['kind'] == kind for entry in entries)} from {kind}s" for kind in SOURCE_KINDS)
    forward_only = sum(_forward_only(entry) for entry in entries)
    settings, criterion = measured["settings"], measured["criterion"]
    text = (
        f"{len(entries)} models rebuilt at small size from published Keras tutorials ({kinds}), each in a fresh "
        f"Keras session seeded with {settings['seed']}, saved as `.keras` and put through "
        "`lightning_port.porting.port.port_model`, the function `scripts/port.py` runs. "
        f"{counts[PORTED] + counts[BEYOND_BOUND]} ported: {counts[PORTED]} with every parity row within its bound and the "
        f"architecture rows equal, {counts[BEYOND_BOUND]} with rows beyond the bound; {forward_only} of the ported models are "
        "never compiled by their tutorial, so only their forward outputs are measured. "
        f"{counts[REFUSED]} refused, each with the port's own one-line reason. A refused model stays in the table: "
        "this is the project's coverage of real tutorial code."
    )
    method = (
        f"Each ported model is measured on {settings['samples']} seeded synthetic samples (integers in range where an "
        "Embedding reads them; targets each loss accepts): forward outputs, the gradients of one batch of 32 (Keras's "
        "fit() default) and 3 optimizer steps, each computed four times from the same weights and bytes: the port and live "
        "Keras (TensorFlow backend), in float64 and in float32. A row passes when the float64 results agree to "
        f"{criterion['float64_agreement']:.0e} and the port's float32 error against that truth is at most "
        f"{criterion['keras_error_factor']:g} x Keras's own plus a floor of 4 float32 ulps of the quantity's scale "
        "(lightning_port/evidence/parity/truth.py). Each module in keras_reference/corpus/ names its tutorial and lists "
        "what was shrunk or changed."
    )
    stamp = measured["stamp"]
    provenance = (
        f"Measured {stamp['measured_at']} at commit {stamp['commit']} on {stamp['machine']}; {measured['environment']}. "
        "Regenerate with `make corpus` (`python scripts/corpus.py`; `--only NAME` re-measures one model, "
        "`--render-only` re-renders this page from docs/corpus.json)."
    )
    later = [entry for entry in entries if entry.get("remeasured")]
    blocks = [Heading("Keras tutorial corpus", level=1), Paragraph(f"**{headline(measured)}**"), Paragraph(text), Paragraph(method), Paragraph(provenance)]
    if later:
        names = ", ".join(f"`{entry['name']}` ({entry.get('measured_at')}, commit {entry.get('commit')})" for entry in later)
        blocks.append(Paragraph(f"Re-measured since with `--only`: {names}."))
    return blocks


def table_section(measured: dict) -> list:
    blocks = [Heading("Models")]
    for kind in SOURCE_KINDS:
        entries = [entry for entry in measured["models"] if entry["source"]["kind"] == kind]
        if not entries:
            continue
        rows = [
            [Link(entry["name"], MODULE_LINK.format(name=entry["name"])), Link(entry["source"]["title"], entry["source"]["url"]),
             entry["source"]["author"], _uses(entry), _outcome(entry), _worst_row(entry)]
            for entry in entries
        ]
        blocks += [Heading(f"{kind}s", level=3), Table(["model", "source", "author", "what it uses", "outcome", "worst row (port error / bound)"], rows)]
    return blocks


def refusals_section(measured: dict) -> list:
    refused = [entry for entry in measured["models"] if entry["outcome"] in (REFUSED, PORT_FAILED, NOT_SAVED)]
    if not refused:
        return []
    groups: dict[str, list[dict]] = {}
    for entry in refused:
        groups.setdefault(reason_group(entry["reason"]) if entry["outcome"] == REFUSED else entry["outcome"], []).append(entry)
    rows = [[label, str(len(members)), ", ".join(f"`{entry['name']}`" for entry in members)] for label, members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))]
    text = "Grouped by what the port refuses (the full message of each model is in the table above and in docs/corpus.json):"
    return [Heading("Refusals by reason"), Paragraph(text), Table(["what the port refuses", "models", "which"], rows)]


def _row_cells(entry: dict, row: dict) -> list[str]:
    if row["port_error"] is None:
        return [entry["name"], row["quantity"], "", "", "", "", "", row["note"]]
    verdict = "ok" if row["passed"] else "BEYOND BOUND"
    return [entry["name"], row["quantity"], _number(row["float64_difference"]), _number(row["port_error"]), _number(row["keras_error"]), f"{row['ratio']:.3g}", _number(row["bound"]), verdict]


def rows_section(measured: dict) -> list:
    rows = [_row_cells(entry, row) for entry in measured["models"] if is_ported(entry) for row in entry["rows"]]
    text = "Every parity row of every ported model (errors are relative: outputs and gradients to the largest value of the quantity, optimizer steps to the root-mean-square of each tensor's update)."
    return [Heading("Parity rows of the ported models"), Paragraph(text), Table(ROW_HEADERS, rows)]


SECTIONS = [summary_section, table_section, refusals_section, rows_section]


def corpus_markdown(measured: dict) -> str:
    blocks = []
    for section in SECTIONS:
        blocks += section(measured)
    return to_markdown(blocks)
