"""The rendering half of a port's parity report: parity.json in, report.md and a
self-contained report.html out (the comparison reports' document model and style)."""

from __future__ import annotations

from pathlib import Path

from lightning_port.evidence.comparison.document import Heading, Paragraph, Table, to_html, to_markdown
from lightning_port.evidence.comparison.render import layer_cells, same_row
from lightning_port.support.atomic import atomic_write_text


def _number(value) -> str:
    return "—" if value is None else f"{value:.3g}"


def model_section(report: dict) -> list:
    recipe = report["recipe"]
    rows = [
        ["file", report["source"]],
        ["input shape", str(tuple(recipe["input_shape"]))],
        ["layers", str(len(recipe["layers"]))],
        ["parameters", f"{recipe['parameter_count']:,}"],
        ["optimizer", recipe["optimizer"] or "none (no compile() config in the file)"],
        ["loss", recipe["loss"] or "none (no compile() config in the file)"],
        ["metrics compiled", ", ".join(report["metrics"]) or "none"],
        ["written", "recipe.py (the recipe), model.ckpt (Lightning checkpoint), parity.json (these measurements)"],
    ]
    return [Heading("Model"), Table(["", ""], rows)]


def architecture_section(report: dict) -> list:
    keras, lightning = report["architecture"]["keras"], report["architecture"]["lightning"]
    rows = []
    for index in range(max(len(keras), len(lightning))):
        keras_row = keras[index] if index < len(keras) else None
        lightning_row = lightning[index] if index < len(lightning) else None
        rows.append([str(index), *layer_cells(keras_row, [row.get("name") for row in keras]), *layer_cells(lightning_row, [row.get("name") for row in lightning]), "match" if same_row(keras_row, lightning_row) else "DIFFERS"])
    differences = report["architecture"]["differences"]
    verdict = "Every layer matches: kind, output shape, weight count and every config option." if not differences else "Differences: " + "; ".join(differences)
    headers = ["#", "Keras layer", "Keras output", "Keras params", "Lightning layer", "Lightning output", "Lightning params", ""]
    return [Heading("Architecture"), Paragraph("Read from the live Keras model and from the torch modules. " + verdict), Table(headers, rows)]


def parity_section(report: dict) -> list:
    rows = []
    for row in report["parity"]:
        if row["port_error"] is None:
            rows.append([row["quantity"], "—", "—", "—", "—", "—", row["note"]])
            continue
        verdict = "passed" if row["passed"] else "FAILED"
        rows.append([row["quantity"], _number(row["port_error"]), _number(row["keras_error"]), _number(row["ratio"]), _number(row["float64_difference"]), _number(row["bound"]), f"{verdict}; {row['note']}"])
    data = report["data"]
    text = (
        f"Inputs: {data}. Each float32 result of the port and of Keras is compared with the float64 result (both frameworks "
        "agree on it to 1e-10); the port passes where its error is at most 2 x Keras's own float32 error plus a floor of a "
        "few float32 ulps. Optimizer steps are compared on the update (weights after minus before), relative to its size."
    )
    headers = ["quantity", "port error", "Keras error", "ratio", "float64 difference", "bound", "result"]
    return [Heading("Parity against the live Keras model"), Paragraph(text), Table(headers, rows)]


def standalone_section(report: dict) -> list:
    """--standalone: the plain Lightning code and the three checks that it is the port."""
    standalone = report.get("standalone")
    if not standalone:
        return []
    text = (
        f"{standalone['folder']}/ holds the port as plain Lightning code ({', '.join(standalone['files'])}), importing torch, "
        "lightning, torchmetrics and numpy only. Run where lightning_port, Keras and TensorFlow cannot be imported, the "
        "exported code was checked against the framework path (a: outputs, b: training steps, bit for bit) and against "
        "the live Keras model (c: the float64-truth rows above, the exported code in the port's place)."
    )
    rows = [[check["name"], "passed" if check["passed"] else "FAILED", check["detail"]] for check in standalone["checks"]]
    for row in standalone["parity"]:
        if "port_error" not in row:
            rows.append([f"(c) {row['quantity']}", "—", row["note"]])
            continue
        detail = f"exported {_number(row['port_error'])}, Keras {_number(row['keras_error'])}, bound {_number(row['bound'])}, float64 difference {_number(row['float64_difference'])}; {row['note']}"
        rows.append([f"(c) {row['quantity']}", "passed" if row["passed"] else "FAILED", detail])
    return [Heading("Standalone Lightning code"), Paragraph(text), Table(["check", "result", "measured"], rows)]


def environment_section(report: dict) -> list:
    versions = ", ".join(f"{name} {version}" for name, version in sorted(report["versions"].items()))
    return [Heading("Environment"), Paragraph(f"Measured {report['measured_at']} at commit {report['commit']} on {report['machine']}; {versions}.")]


SECTIONS = [model_section, architecture_section, parity_section, standalone_section, environment_section]


def render(report: dict, directory: Path) -> dict[str, Path]:
    title = f"{report['recipe']['name']}: ported from {Path(report['source']).name}"
    verdict = "every measured quantity passed" if report["passed"] else "SOME CHECKS FAILED"
    blocks = [Heading(title, level=1), Paragraph(f"scripts/port.py read the Keras model, wrote its recipe and checkpoint, and measured its parity: {verdict}.")]
    for section in SECTIONS:
        blocks += section(report)
    return {
        "report.md": atomic_write_text(Path(directory) / "report.md", to_markdown(blocks)),
        "report.html": atomic_write_text(Path(directory) / "report.html", to_html(blocks, title)),
    }
