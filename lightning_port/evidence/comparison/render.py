"""The rendering half: collected.json in, report.md + PNGs + self-contained report.html out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from lightning_port.evidence.comparison import plots
from lightning_port.evidence.parity.checks import NOT_MEASURED, measured_in_run
from lightning_port.layers.registry import layer_kinds
from lightning_port.support.atomic import atomic_write_bytes, atomic_write_text
from lightning_port.evidence.comparison.document import Heading, Image, Link, Paragraph, Table, to_html, to_markdown
from lightning_port.evidence.comparison.summary import (
    FRAMEWORK_LABELS,
    published,
    published_accuracy,
    runs_of,
    speed_summary,
    test_summary,
)
from lightning_port.support.results import FRAMEWORKS


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def recipe_section(collected: dict) -> list:
    recipe = collected["recipe"]
    results = [entry["result"] for entry in collected["runs"]]
    seeds = ", ".join(f"{FRAMEWORK_LABELS[f]} {len(runs_of(collected, f))}" for f in FRAMEWORKS)
    epochs = ", ".join(str(value) for value in sorted({result["epochs"] for result in results}))
    samples = ", ".join(f"{value:,}" for value in sorted({result["train_samples"] for result in results}))
    article = recipe["article"]
    figures = ", ".join(f"{name} {value:.4g}" for name, value in published(collected).items())
    note = recipe["reported"].get("note")
    rows = [
        ["article", article["title"]],
        ["author", article["author"]],
        ["published", article.get("published") or "—"],
        ["address", article.get("url") or "—"],
        ["data set", recipe["dataset"]],
        ["preprocessing", recipe["preprocessing"]],
        ["layers", ", ".join(recipe["layers"])],
        ["optimizer", recipe["optimizer"]],
        ["loss", recipe["loss"]],
        ["epochs (tutorial)", str(recipe["epochs"])],
        ["batch size", str(recipe["batch_size"])],
        ["parameters", f"{recipe['parameter_count']:,}"],
        ["augmentation", recipe["augmentation"] or "none"],
        ["validation", recipe["validation"] or "none during fit"],
        ["scored on", f"the {recipe['evaluate_on']} split"],
        ["tutorial's figures", figures + (f" ({note})" if note else "")],
        ["this comparison", f"seeds per framework: {seeds}; epochs: {epochs}; training samples: {samples}"],
    ]
    if article.get("note"):
        rows.insert(4, ["how it follows the article", article["note"]])
    rows += [["note", note] for note in recipe["notes"]]
    blocks = [Heading("Recipe")]
    if article.get("url"):
        blocks.append(Link(article["url"], article["url"]))
    return [*blocks, Table(["field", "value"], rows)]


def layer_cells(row: dict | None, names: list[str] | None = None) -> list[str]:
    """``name = Kind(options that differ from Keras's defaults)(inputs)``, output shape, weight count."""
    if row is None:
        return ["—", "—", "—"]
    defaults = {}
    layer_class = layer_kinds().get(row["kind"])
    if layer_class is not None:
        defaults = {field.name: field.default for field in dataclasses.fields(layer_class) if field.default is not dataclasses.MISSING}
    shown = {name: value for name, value in row.get("config", {}).items() if name not in defaults or _plain(defaults[name]) != value}
    detail = ", ".join(f"{name}={value}" for name, value in shown.items())
    text = f"{row['kind']}({detail})"
    if row.get("name") and names is not None:
        def named(source: str) -> str:
            return names[int(source[1:])] if source.startswith("#") else source

        calls = "".join(f"({named(sources[0])})" if len(sources) == 1 else f"([{', '.join(named(item) for item in sources)}])" for sources in row.get("inbound") or [])
        text = f"{row['name']} = {text}{calls}"
    return [text, str(tuple(row["output_shape"])), f"{row['parameters']:,}"]


def _plain(value):
    return [_plain(item) for item in value] if isinstance(value, (tuple, list)) else value


def same_row(keras_row: dict | None, lightning_row: dict | None) -> bool:
    """Rows match in every compared field (names are shown, not compared: Keras numbers them per session)."""
    if keras_row is None or lightning_row is None:
        return False
    return {key: value for key, value in keras_row.items() if key != "name"} == {key: value for key, value in lightning_row.items() if key != "name"}


def architecture_section(collected: dict) -> list:
    blocks = [Heading("Architecture, side by side")]
    architecture = collected["architecture"]
    if "unavailable" in architecture:
        return [*blocks, Paragraph(f"Not available: {architecture['unavailable']}")]
    keras, lightning = architecture["keras"], architecture["lightning"]
    rows = []
    for index in range(max(len(keras), len(lightning))):
        keras_row = keras[index] if index < len(keras) else None
        lightning_row = lightning[index] if index < len(lightning) else None
        rows.append([str(index), *layer_cells(keras_row, [row.get("name") for row in keras]), *layer_cells(lightning_row, [row.get("name") for row in lightning]), "match" if same_row(keras_row, lightning_row) else "DIFFERS"])
    total = [sum(row["parameters"] for row in side) for side in (keras, lightning)]
    rows.append(["", "total", "", f"{total[0]:,}", "total", "", f"{total[1]:,}", "match" if total[0] == total[1] else "DIFFERS"])
    verdict = "Every layer matches field for field (kind, output shape, weight count, and every option of its config)." if not architecture["differences"] else "Differences: " + "; ".join(architecture["differences"])
    headers = ["#", "Keras layer", "Keras output", "Keras params", "Lightning layer", "Lightning output", "Lightning params", ""]
    return [*blocks, Paragraph("Read from the live Keras model and from the torch modules (output shapes channels-last, as Keras prints them). " + verdict), Table(headers, rows)]


def curves_section(collected: dict) -> list:
    return [Heading("Learning curves"), Image("learning_curves.png", f"{collected['model']} learning curves, Lightning vs Keras")]


def test_section(collected: dict) -> list:
    model = collected["model"]
    summaries = {framework: test_summary(runs_of(collected, framework)) for framework in FRAMEWORKS}
    seeds_text = f"over {len(summaries['lightning'].per_seed)} vs {len(summaries['keras'].per_seed)} seed(s) (std: sample standard deviation over seeds)"
    if not summaries["lightning"].has_accuracy:
        # A model whose outcome is a loss (an autoencoder): the loss is the figure compared.
        rows = []
        for framework, summary in summaries.items():
            seeds = "; ".join(f"seed {seed}: {loss:.5f}" for seed, _, loss in summary.per_seed)
            rows.append([FRAMEWORK_LABELS[framework], summary.split, f"{summary.loss_mean:.5f} ± {summary.loss_std:.5f}", seeds])
        gap = summaries["lightning"].loss_mean - summaries["keras"].loss_mean
        text = f"Mean test loss, Lightning minus Keras: {gap:+.5f} ({100 * gap / summaries['keras'].loss_mean:+.2f}% of Keras's) {seeds_text}."
        headers = ["", "split", "loss (mean ± std)", "every seed"]
        return [Heading("Test results"), Paragraph(text), Table(headers, rows), Image("test_results.png", f"{model} test loss per seed")]
    rows = []
    for framework, summary in summaries.items():
        seeds = "; ".join(f"seed {seed}: {_percent(accuracy)} / {loss:.4f}" for seed, accuracy, loss in summary.per_seed)
        final = _percent(summary.final_train_accuracy_mean) if summary.final_train_accuracy_mean is not None else "—"
        rows.append([FRAMEWORK_LABELS[framework], summary.split, f"{_percent(summary.accuracy_mean)} ± {_percent(summary.accuracy_std)}", f"{summary.loss_mean:.4f} ± {summary.loss_std:.4f}", final, seeds])
    figures = published(collected)
    reference = published_accuracy(collected)
    rows.append(["tutorial (published)", "", _percent(reference) if reference is not None else "—", f"{figures['test loss']:.4f}" if "test loss" in figures else "—", _percent(figures["training accuracy"]) if "training accuracy" in figures else "—", ""])
    gap = summaries["lightning"].accuracy_mean - summaries["keras"].accuracy_mean
    text = f"Mean accuracy, Lightning minus Keras: {100 * gap:+.2f} percentage points {seeds_text}."
    headers = ["", "split", "accuracy (mean ± std)", "loss (mean ± std)", "final-epoch training accuracy", "every seed (accuracy / loss)"]
    return [Heading("Test results"), Paragraph(text), Table(headers, rows), Image("test_results.png", f"{model} test accuracy and loss per seed")]


def _number(value) -> str:
    return "—" if value is None else f"{value:.3g}"


def parity_rows(parity: dict) -> tuple[list[list[str]], int, int]:
    """Table rows, how many passed in the run that wrote the file, and how many it measured.
    A row that run did not measure shows "not measured in this run", whatever it once said."""
    run = parity.get("run", {})
    rows, passed, measured = [], 0, 0
    for check in parity["checks"]:
        if measured_in_run(check, run):
            measured += 1
            passed += bool(check["passed"])
            verdict = "passed" if check["passed"] else "FAILED"
        else:
            stamp = f" (last measured {check['measured_at']} at {check['commit']})" if check.get("measured_at") else ""
            verdict = NOT_MEASURED + stamp
        truth = check.get("port_error") is not None
        rows.append([
            check["check"],
            _number(check["measured"]),
            _number(check.get("keras_error")) if truth else "",
            _number(check.get("ratio")) if truth else "",
            _number(check.get("float64_difference")) if truth else "",
            f"{check['comparison']} {check['tolerance']:.3g}",
            verdict,
            check.get("detail", ""),
        ])
    return rows, passed, measured


def parity_section(collected: dict) -> list:
    blocks = [Heading("Parity checks")]
    parity = collected["parity"]
    if "unavailable" in parity:
        return [*blocks, Paragraph(f"Not available: {parity['unavailable']}")]
    checks = parity["checks"]
    if not checks:
        return [*blocks, Paragraph(f"{parity['source']} has no checks for {collected['model']}: run the parity tests (make parity).")]
    rows, passed, measured = parity_rows(parity)
    run = parity.get("run", {})
    where = f"run {run.get('run_id', '?')} at commit {run.get('commit', '?')} on {run.get('machine', '?')}" if run else "an unstamped run"
    text = (
        f"{passed} of {measured} checks measured in the last parity run passed ({parity['source']}, written {parity['written_at']} by {where}); "
        f"{len(checks) - measured} row(s) were not measured in that run. Float32 rows are judged against the float64 truth: "
        "the port's error (measured) may be at most 2 x Keras's own error plus a floor of a few float32 ulps, and the two "
        "frameworks' float64 results must agree to 1e-10."
    )
    headers = ["check", "measured (port error)", "Keras error", "ratio", "float64 difference", "bound", "result", "detail"]
    return [*blocks, Paragraph(text), Table(headers, rows)]


def speed_section(collected: dict) -> list:
    summaries = {framework: speed_summary(runs_of(collected, framework)) for framework in FRAMEWORKS}
    rows = [[FRAMEWORK_LABELS[name], s.device, f"{s.seconds_per_epoch:.3f}", f"{s.samples_per_second:,.0f}", f"{s.wall_time_s:.1f}"] for name, s in summaries.items()]
    ratio = summaries["keras"].seconds_per_epoch / summaries["lightning"].seconds_per_epoch
    text = (
        f"Keras takes {ratio:.2f}x the Lightning port's time per epoch in these runs. They ran one after the other, "
        "not interleaved, so machine load can tilt them; scripts/benchmark.py measures controlled, interleaved ratios."
    )
    headers = ["", "device", "s/epoch (median, epochs 2+)", "samples/s", "wall time per run (s, incl. data loading and test)"]
    return [Heading("Speed"), Paragraph(text), Table(headers, rows), Image("speed.png", "seconds per epoch per framework")]


def environment_section(collected: dict) -> list:
    rows = []
    for framework in FRAMEWORKS:
        first = runs_of(collected, framework)[0]
        versions = ", ".join(f"{name} {version}" for name, version in sorted(first["versions"].items()))
        backend = f" (Keras backend: {first['backend']})" if "backend" in first else ""
        rows.append([FRAMEWORK_LABELS[framework] + backend, first["device"], first.get("accelerator", ""), first.get("precision", ""), versions])
    host = collected["host"]
    return [Heading("Environment"), Paragraph(f"Host: {host['cpu']}; {host['platform']}; Python {host['python']}."), Table(["", "device", "accelerator", "precision", "versions"], rows)]


def runs_section(collected: dict, directory: Path) -> list:
    rows = []
    for entry in sorted(collected["runs"], key=lambda e: (e["result"]["framework"], e["result"]["seed"])):
        path = Path(entry["path"])
        try:
            shown = str(path.resolve().relative_to(directory.resolve()))
        except ValueError:
            shown = str(path)
        result = entry["result"]
        rows.append([result["framework"], str(result["seed"]), str(result["epochs"]), f"{result['train_samples']:,}", result.get("commit", "unknown"), result.get("measured_at", ""), shown])
    return [
        Heading("Runs"),
        Paragraph("Every number above comes from these result files; their full contents are copied into collected.json beside this report, so it stays checkable when the run folders are gone."),
        Table(["framework", "seed", "epochs", "training samples", "commit", "measured", "result file"], rows),
    ]


def report_blocks(collected: dict, directory: Path) -> list:
    recipe = collected["recipe"]
    intro = Paragraph(f"{recipe['description']}, after {recipe['article']['citation']}. Generated {collected['created']} by scripts/compare.py from the tutorial's Keras code (keras_reference/) and the Lightning port, trained with identical settings on the same data bytes.")
    sections = [recipe_section, architecture_section, curves_section, test_section, parity_section, speed_section, environment_section]
    blocks = [Heading(f"{collected['model']}: Lightning port vs Keras reference", level=1), intro]
    for section in sections:
        blocks += section(collected)
    return blocks + runs_section(collected, directory)


def render_report(collected: dict, directory: Path) -> dict[str, Path]:
    """Write the PNGs, report.md and report.html into ``directory``; returns their paths."""
    directory = Path(directory)
    images = {name: make(collected) for name, make in plots.FIGURES.items()}
    written = {name: atomic_write_bytes(directory / name, payload) for name, payload in images.items()}
    blocks = report_blocks(collected, directory)
    written["report.md"] = atomic_write_text(directory / "report.md", to_markdown(blocks))
    written["report.html"] = atomic_write_text(directory / "report.html", to_html(blocks, f"{collected['model']}: Lightning vs Keras", images))
    return written


def index_row(collected: dict) -> list:
    model = collected["model"]
    tests = {framework: test_summary(runs_of(collected, framework)) for framework in FRAMEWORKS}
    architecture = collected["architecture"]
    layout = "—" if "unavailable" in architecture else ("match" if not architecture["differences"] else "DIFFERS")
    checks = collected["parity"].get("checks") or []
    if checks:
        _, passed, measured = parity_rows(collected["parity"])
        parity = f"{passed}/{measured} passed" + (f", {len(checks) - measured} not measured in this run" if measured < len(checks) else "")
    else:
        parity = "—"
    reference = published_accuracy(collected)
    cells = [f"{_percent(tests[f].accuracy_mean)} ± {_percent(tests[f].accuracy_std)} ({len(tests[f].per_seed)})" for f in FRAMEWORKS]
    return [Link(model, f"{model}/report.html"), *cells, _percent(reference) if reference is not None else "—", layout, parity]


def render_index(collected_reports: list[dict], directory: Path) -> Path:
    """``reports/index.html``: one row per model, linking to its page."""
    headers = ["model", "Lightning accuracy (seeds)", "Keras accuracy (seeds)", "tutorial", "architecture", "parity checks"]
    blocks = [
        Heading("Lightning port vs Keras reference", level=1),
        Paragraph("One row per tutorial; each links to its report."),
        Table(headers, [index_row(collected) for collected in collected_reports]),
    ]
    return atomic_write_text(Path(directory) / "index.html", to_html(blocks, "lightning-port comparisons"))


def read_collected(path: Path) -> dict:
    return json.loads(Path(path).read_text())
