"""Benchmark JSON -> a printed table and a Markdown page. Rendering only; no measuring."""

from __future__ import annotations

from lightning_port.evidence.benchmarking import fastest
from lightning_port.evidence.benchmarking.modes import FRAMEWORKS, MODES
from lightning_port.evidence.benchmarking.runner import verdicts
from lightning_port.evidence.comparison.document import Table, to_markdown

FRAMEWORK_LABELS = {"port": "port", "floor": "floor", "keras_tensorflow": "Keras TF", "keras_torch": "Keras torch"}
RATIO_LABELS = {"port_over_floor": "port/floor", "keras_tensorflow_over_port": "Keras TF/port", "keras_torch_over_port": "Keras torch/port"}


def _seconds(mode_entry: dict, framework: str) -> str:
    if framework in mode_entry.get("failed", {}):
        return "failed"
    if framework in mode_entry.get("not_applicable", {}):
        return "n/a"
    values = mode_entry["frameworks"].get(framework)
    return f"{values['median_epoch_s']:.3f}" if values else "-"


def _ratio(mode_entry: dict, name: str) -> str:
    """The median paired ratio, then each round's in brackets: the spread shows the noise."""
    value = mode_entry["ratios"].get(name)
    if value is None:
        return "-"
    per_round = mode_entry.get("ratios_per_round", {}).get(name, [])
    return f"{value:.2f} ({', '.join(f'{v:.2f}' for v in per_round)})" if len(per_round) > 1 else f"{value:.2f}"


def header(report: dict) -> list[str]:
    frameworks = [name for name in FRAMEWORKS if name in report.get("frameworks", FRAMEWORKS)]
    return ["model", "mode", *(f"{FRAMEWORK_LABELS[name]} s/epoch" for name in frameworks), *(f"{label} (per round)" for label in RATIO_LABELS.values()), "targets"]


def table_rows(report: dict) -> list[list[str]]:
    frameworks = [name for name in FRAMEWORKS if name in report.get("frameworks", FRAMEWORKS)]
    rows = []
    for model, entry in report["models"].items():
        targeted = entry.get("speed_targeted", model in report["targets"].get("models", []))
        for mode_name, mode_entry in entry["modes"].items():
            outcome = ", ".join(verdicts(mode_entry, targeted)) or "reported"
            rows.append([model, mode_name, *(_seconds(mode_entry, name) for name in frameworks), *(_ratio(mode_entry, name) for name in RATIO_LABELS), outcome])
    return rows


def text_table(report: dict) -> str:
    rows = [header(report), *table_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows)


def _contention(report: dict) -> list[str]:
    """Models whose measurements saw a 1-minute load average above the core count: more
    runnable threads than cores, from another process or from a framework's own helper threads
    (TensorFlow's input pipeline, say); OpenMP-threaded kernels (the compiled modes above all)
    stall then. The load average cannot tell which."""
    cores = report["environment"].get("cores") or _cores(report["environment"].get("device", ""))
    lines = []
    for model, entry in report["models"].items():
        loads = [values["load_average_max"] for mode in entry["modes"].values() for values in mode["frameworks"].values() if values.get("load_average_max") is not None]
        if cores and loads and max(loads) > cores:
            lines.append(f"- {model}: load average up to {max(loads):.1f} on {cores} cores during its measurements: more runnable threads than cores (another process, or a framework's own helper threads); treat its figures with care.")
    return lines


def _cores(device: str) -> int | None:
    """The core count in a device line like "CPU x86_64, 2 cores"."""
    words = device.replace(",", " ").split()
    return int(words[words.index("cores") - 1]) if "cores" in words and words[words.index("cores") - 1].isdigit() else None


def _details(report: dict) -> list[str]:
    """What each mode ran, first epochs (compilation) and failures: the table's footnotes."""
    lines = _contention(report)
    first_mode = next(iter(report["models"].values()))["modes"]
    for mode_name, mode_entry in first_mode.items():
        lines.append(f"- **{mode_name}**: {mode_entry['title']}; target port/floor <= {mode_entry['port_over_floor_target']}.")
    for model, entry in report["models"].items():
        for mode_name, mode_entry in entry["modes"].items():
            for framework, reason in mode_entry.get("failed", {}).items():
                lines.append(f"- {model}, {mode_name}: {FRAMEWORK_LABELS[framework]} failed: {reason}")
            for framework, reason in mode_entry.get("not_applicable", {}).items():
                lines.append(f"- {model}, {mode_name}: {FRAMEWORK_LABELS[framework]} n/a: {reason}")
            if mode_name == "compile":
                first = ", ".join(
                    f"{FRAMEWORK_LABELS[name]} {values['first_epoch_s']:.1f} s" for name, values in mode_entry["frameworks"].items() if "first_epoch_s" in values
                )
                lines.append(f"- {model}, compile: first epoch, compilation included (left out of the medians): {first}.")
    return lines


# ---- fastest against fastest (fastest.py) ----


def fastest_of(report: dict, model: str) -> dict:
    """The model's fastest-against-fastest entry; computed from the per-mode figures for files
    written before the runner stored it."""
    entry = report["models"][model]
    return entry.get("fastest") or fastest.fastest_entry(entry["modes"], report["rounds"], fastest.FASTEST_TARGETS.get(model))


def _configuration(report: dict, model: str, framework: str, mode: str) -> str:
    """What a framework's winning mode means for it: the port's flags, Keras's compile() settings."""
    if framework.startswith("keras"):
        stored = report["models"][model]["modes"].get(mode, {}).get("keras_configuration")
        return stored or (MODES[mode].keras_configuration() if mode in MODES else mode)
    return mode


def _fastest_cell(report: dict, model: str, entry: dict, framework: str) -> str:
    values = entry["frameworks"].get(framework)
    if values is None:
        return "-"
    return f"{values['median_epoch_s']:.3f} ({_configuration(report, model, framework, values['mode'])})"


def fastest_header(report: dict) -> list[str]:
    frameworks = [name for name in FRAMEWORKS if name in report.get("frameworks", FRAMEWORKS)]
    return ["model", *(f"{FRAMEWORK_LABELS[name]} fastest s/epoch (winner)" for name in frameworks), *(f"{label} (per round)" for label in RATIO_LABELS.values()), "targets"]


def fastest_rows(report: dict) -> list[list[str]]:
    frameworks = [name for name in FRAMEWORKS if name in report.get("frameworks", FRAMEWORKS)]
    rows = []
    for model in report["models"]:
        entry = fastest_of(report, model)
        outcome = ", ".join(fastest.verdicts(entry)) or "reported"
        rows.append([model, *(_fastest_cell(report, model, entry, name) for name in frameworks), *(_ratio(entry, name) for name in RATIO_LABELS), outcome])
    return rows


def _fastest_details(report: dict) -> list[str]:
    """Rounds whose fastest differs from the winner, and what bounds each missed target."""
    lines = []
    for model, model_entry in report["models"].items():
        entry = fastest_of(report, model)
        for framework, values in entry["frameworks"].items():
            others = [f"round {index + 1}: {mode}" for index, mode in enumerate(values["round_modes"]) if mode and mode != values["mode"]]
            if others:
                lines.append(f"- {model}, {FRAMEWORK_LABELS[framework]}: winner (lowest median) {values['mode']}; other rounds' fastest: " + ", ".join(others) + ".")
        steps = -(-model_entry["train_samples"] // model_entry["batch_size"]) if model_entry.get("train_samples") else None
        for line in fastest.bound(entry, steps) if steps else []:
            lines.append(f"- {model}, what bounds it: {line}.")
    return lines


def fastest_text_table(report: dict) -> str:
    rows = [fastest_header(report), *fastest_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows)


def markdown(report: dict) -> str:
    environment = report["environment"]
    versions = ", ".join(f"{name} {version}" for name, version in environment["versions"].items())
    provenance = f"commit {report['commit']}, {report['machine']}" if "commit" in report else "before commit stamps"
    lines = [
        f"### {environment['device']}: {environment['accelerator']}, {environment['precision']} ({report['created']})",
        "",
        f"Median seconds per epoch over {report['rounds']} interleaved rounds (each process's first epoch "
        f"dropped as warm-up). Ratios are paired: each round's ratio, then the median over rounds. "
        f"{versions}; torch threads {environment['torch_threads']}; {provenance}.",
        "",
        to_markdown([Table(header(report), table_rows(report))]),
        f"Targets (the MNIST MLPs; other models are reported, not targeted): port/floor at most the mode's "
        f"target, and every Keras column slower than the port (Keras/port > {report['targets']['keras_over_port_min']:g}).",
        "",
        *_details(report),
        "",
        "#### Fastest against fastest",
        "",
        "Each framework's best configuration, found by running every one it offers in the rounds above "
        "(the port: each mode; the floor: its eager and compiled loops; Keras: `steps_per_execution` 1 or 32, "
        "`jit_compile` off (`auto` resolves to off on a CPU-only TensorFlow) or on). Seconds: the median over "
        "rounds of each round's fastest; ratios paired per round, each round's fastest over the other's.",
        "",
        to_markdown([Table(fastest_header(report), fastest_rows(report))]),
        "Targets (the speed issue's): on the MNIST tutorials and `mnist_convnet` the port's fastest at most 1.15x "
        "the floor's fastest and Keras TF's fastest at least 1.3x slower than the port's; on `cifar_cnn` the latter.",
        "",
        *_fastest_details(report),
    ]
    if report.get("notes"):
        lines += ["", *report["notes"]]
    return "\n".join(lines) + "\n"


# ---- where a step's time goes (step_profile.py) ----


def _profile_rows(profile: dict) -> tuple[list[str], list[list[str]]]:
    from lightning_port.evidence.benchmarking.step_profile import PHASES

    configurations = profile["configurations"]
    header = ["phase", *(values["title"] for values in configurations.values())]
    rows = []
    for phase in PHASES:
        if not any(phase in values["phases_ms"] for values in configurations.values()):
            continue
        cells = []
        for values in configurations.values():
            milliseconds = values["phases_ms"].get(phase)
            cells.append("-" if milliseconds is None else f"{milliseconds:.2f} ({100 * milliseconds / values['step_ms']:.0f}%)")
        rows.append([phase, *cells])
    rows.append(["step (wall)", *(f"{values['step_ms']:.2f}" for values in configurations.values())])
    return header, rows


def profile_text_table(profile: dict) -> str:
    header, rows = _profile_rows(profile)
    rows = [header, *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows)


def profile_markdown(profile: dict) -> str:
    environment = profile["environment"]
    provenance = f"commit {profile['commit']}, {profile['machine']}" if "commit" in profile else ""
    header, rows = _profile_rows(profile)
    steps = next(iter(profile["configurations"].values()))["steps"]
    return "\n".join([
        f"### Where a `{profile['model']}` step's time goes: {environment['device']}, {environment['accelerator']} ({profile['created']})",
        "",
        f"Milliseconds per training step (batch {profile['batch_size']}) and share of the step, over the second of two epochs "
        f"of {steps} steps on the first {profile['train_samples']:,} training images (the first epoch warms up and compiles); "
        f"validation left out. Generated by `{profile.get('command', 'python scripts/profile_step.py --model ' + profile['model'])}` "
        f"(`make benchmark` profiles `cifar_cnn`); torch threads {environment['torch_threads']}; {provenance}. What each phase holds: "
        "`lightning_port/evidence/benchmarking/step_profile.py`. The data sit on the device from the start, so **data** "
        "(the epoch's shuffle and the batch slice) is the whole host-to-device share.",
        "",
        to_markdown([Table(header, rows)]),
    ]) + "\n"


PAGE_INTRODUCTION = """# Benchmarks

Generated by `python scripts/benchmark.py` (`make benchmark`) from the JSON files beside this
page (`docs/benchmarks/*.json`); re-run it to refresh. Each measurement runs in its own process,
and every framework in every mode is interleaved within a round so machine drift hits all
alike. Compare ratios, not absolute seconds: this machine is shared and noisy.

Like with like: each mode runs every framework in the same execution mode.

- **port**: exactly what `scripts/train.py` runs in that mode: Lightning `Trainer`, progress
  bar on, torchmetrics epoch metrics logged, a checkpoint written every epoch, validation when
  the recipe has it. An epoch is timed from its start to the next epoch's start.
- **floor**: a minimal hand-written PyTorch loop over the same in-memory tensors with the same
  model, Keras-rule optimizer, batch size, augmentation and validation pass; nothing else. In
  the compile mode it runs the port's own compiled step (`training/compiled_step.py`).
- **Keras TF / Keras torch**: the tutorial's own code (`keras_reference/`) on the same arrays,
  on the TensorFlow and the torch backend, with `compile(steps_per_execution=..., jit_compile=...)`
  set as the mode says; epoch time as Keras's callbacks measure it.
"""


def page(reports: list[dict], profiles: list[dict] = ()) -> str:
    sections = [markdown(report) for report in sorted(reports, key=lambda report: report["created"])]
    sections += [profile_markdown(profile) for profile in sorted(profiles, key=lambda profile: profile["created"])]
    measured = {report["environment"]["accelerator"] for report in reports}
    if "gpu" not in measured:
        sections.append(
            "### GPU\n\nNot measured yet: no GPU was available where these files were made. "
            "`make gpu-evidence` runs the GPU benchmark on a CUDA machine and adds "
            "`docs/benchmarks/gpu.json` and its table here.\n"
        )
    return PAGE_INTRODUCTION + "\n" + "\n".join(sections)
