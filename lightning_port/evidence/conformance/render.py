"""docs/conformance.md from the measured JSON (``table.py`` measures, this file only renders).

One section function per part of the page, in the order they appear (``SECTIONS``)."""

from __future__ import annotations

import math

from lightning_port.evidence.comparison.document import Heading, Paragraph, Table, to_markdown

HEADERS = ["configuration", "quantity", "float64 |port - Keras|", "port float32 error", "Keras float32 error", "ratio", "bound", "verdict"]


def _number(value: float) -> str:
    return "0" if value == 0 else f"{value:.2e}"


def _cells(row: dict) -> list[str]:
    verdict = "ok" if row["passed"] else ("FLOAT64 DIFFERS" if not row["float64_agrees"] else "BEYOND BOUND")
    return [row["configuration"], row["quantity"], _number(row["float64_difference"]), _number(row["port_error"]), _number(row["keras_error"]), f"{row['ratio']:.3g}", _number(row["bound"]), verdict]


def _used(row: dict) -> float:
    """The port's error as a share of its bound; an exact row (integer outputs, bound 0) uses
    none of it when equal, all of it otherwise."""
    if row["bound"] == 0:
        return 0.0 if row["port_error"] == 0 else math.inf
    return row["port_error"] / row["bound"]


def _worst(rows: list[dict], count: int = 8) -> list[dict]:
    """Failures first, then the rows whose port error comes closest to its bound (a ratio to
    Keras above 2 can still pass where the floor dominates the bound)."""
    return sorted(rows, key=lambda row: (row["passed"], -_used(row)))[:count]


def summary_section(measured: dict) -> list:
    rows = measured["rows"]
    criterion = measured["criterion"]
    failing = [row for row in rows if not row["passed"]]
    float64_worst = max(row["float64_difference"] for row in rows)
    text = (
        f"{len(rows)} rows, {len(rows) - len(failing)} within their bound. Each row is one quantity of a tiny "
        "Sequential model (the layer or loss, then Flatten and a Dense head where needed) computed four times "
        "from the same weights and input bytes: the port and live Keras (TensorFlow backend), each in float64 and "
        f"in float32. Criterion (lightning_port/evidence/parity/truth.py): the float64 results agree to "
        f"{criterion['float64_agreement']:.0e} (worst here: {float64_worst:.2e}), and the port's float32 error "
        f"against that truth is at most {criterion['keras_error_factor']:g} x Keras's own plus a floor of 4 "
        "float32 ulps of the quantity's scale. Errors are relative: outputs and gradients to the largest value "
        "of the quantity, optimizer steps to the root-mean-square of each tensor's update."
    )
    stamp = measured["stamp"]
    provenance = f"Measured {stamp['measured_at']} at commit {stamp['commit']} on {stamp['machine']}; {measured['environment']}. Regenerate with `make conformance`."
    return [Heading("Keras conformance", level=1), Paragraph(text), Paragraph(provenance)]


def worst_section(measured: dict) -> list:
    rows = [[row["group"], *_cells(row), f"{_used(row):.2f}"] for row in _worst(measured["rows"])]
    return [Heading("Worst rows (port error closest to its bound)"), Table(["layer, loss or optimizer", *HEADERS, "port error / bound"], rows)]


def _group_sections(measured: dict, section: str, title: str) -> list:
    rows = [row for row in measured["rows"] if row["section"] == section]
    if not rows:
        return []
    blocks = [Heading(title)]
    for group in dict.fromkeys(row["group"] for row in rows):
        blocks += [Heading(group, level=3), Table(HEADERS, [_cells(row) for row in rows if row["group"] == group])]
    return blocks


def layers_section(measured: dict) -> list:
    return _group_sections(measured, "layer", "Layers")


def losses_section(measured: dict) -> list:
    return _group_sections(measured, "loss", "Losses")


def optimizers_section(measured: dict) -> list:
    return _group_sections(measured, "optimizer", "Optimizers (3 steps from the same weights and gradients)")


def random_models_section(measured: dict) -> list:
    models = measured.get("random_models") or []
    if not models:
        return [Heading("Random models"), Paragraph("Not measured in this run (scripts/conformance.py --random-models N).")]
    beyond = [(model, row) for model in models for row in model["rows"] if not row["passed"]]
    passing = sum(all(row["passed"] for row in model["rows"]) for model in models)
    text = (
        f"{len(models)} seeded random Sequential models (random stacks of the supported layers, random "
        f"configurations, a random optimizer case from the table above), each saved as .keras, read back by the "
        f"port's reader and measured like the rows above: {passing} of {len(models)} have every row within its bound."
    )
    blocks = [Heading("Random models"), Paragraph(text)]
    if beyond:
        blocks.append(
            Paragraph(
                "Rows beyond the bound (a known gap, asserted in tests/porting/test_conformance.py: optimizer-step rows only, "
                "at most 2% of the models, at most 4 x Keras's error; the float64 results agree):"
            )
        )
        blocks.append(Table(["model", *HEADERS], [[model["model"], *_cells(row)] for model, row in beyond]))
    return blocks


def random_recurrent_section(measured: dict) -> list:
    """Rendered only where the measurements hold the random recurrent models."""
    models = measured.get("random_recurrent")
    if not models:
        return []
    beyond = [(model, row) for model in models for row in model["rows"] if not row["passed"]]
    passing = sum(all(row["passed"] for row in model["rows"]) for model in models)
    text = (
        f"{len(models)} seeded random recurrent models (SimpleRNN, LSTM and GRU stacks with their options, Bidirectional "
        "with every merge mode, masks from Embedding(mask_zero=True) or Masking, TimeDistributed, states read by the head "
        "or handed on as initial_state, masked sequence outputs; evidence/conformance/random_recurrent.py), each saved "
        f"as .keras, read back by the port's reader and measured like the rows above: {passing} of {len(models)} have "
        "every row within its bound."
    )
    blocks = [Heading("Random recurrent models"), Paragraph(text)]
    if beyond:
        blocks.append(Paragraph("Rows beyond the bound (the known gap asserted in tests/porting/test_random_recurrent.py):"))
        blocks.append(Table(["model", *HEADERS], [[model["model"], *_cells(row)] for model, row in beyond]))
    return blocks


SECTIONS = [summary_section, worst_section, layers_section, losses_section, optimizers_section, random_models_section, random_recurrent_section]


def conformance_markdown(measured: dict) -> str:
    blocks = []
    for section in SECTIONS:
        blocks += section(measured)
    return to_markdown(blocks)
