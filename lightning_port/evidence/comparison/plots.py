"""The report's figures as PNG bytes (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: CI and servers have no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from lightning_port.evidence.comparison.summary import (  # noqa: E402
    FRAMEWORK_LABELS,
    curve,
    published,
    published_accuracy,
    runs_of,
    speed_summary,
    test_summary,
)
from lightning_port.support.results import FRAMEWORKS  # noqa: E402

COLORS = {"lightning": "#792ee5", "keras": "#d00000"}


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def learning_curves(collected: dict) -> bytes:
    """Loss and accuracy per epoch, both frameworks on shared axes: mean line, band of one
    standard deviation over seeds. A validation row only where the recipe validates."""
    results = {framework: runs_of(collected, framework) for framework in FRAMEWORKS}
    has_validation = any(curve(results[framework], "val_loss") is not None for framework in FRAMEWORKS)
    prefixes = [("", "training")] + ([("val_", "validation")] if has_validation else [])
    # A model that compiles no accuracy (an autoencoder) plots its loss alone.
    metrics = ("loss", "accuracy") if any(curve(results[framework], "accuracy") is not None for framework in FRAMEWORKS) else ("loss",)
    figure, axes = plt.subplots(len(prefixes), len(metrics), figsize=(5 * len(metrics), 3.4 * len(prefixes)), squeeze=False, sharex=True)
    for row, (prefix, stage) in enumerate(prefixes):
        for column, metric in enumerate(metrics):
            axis = axes[row][column]
            for framework in FRAMEWORKS:
                series = curve(results[framework], prefix + metric)
                if series is None:
                    continue
                epochs, mean, spread = series
                seeds = len(results[framework])
                axis.plot(epochs, mean, marker="o", markersize=3, color=COLORS[framework], label=f"{FRAMEWORK_LABELS[framework]} (mean of {seeds})")
                axis.fill_between(epochs, mean - spread, mean + spread, color=COLORS[framework], alpha=0.18, linewidth=0)
            axis.set_title(f"{stage} {metric}")
            axis.set_xlabel("epoch")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)
    figure.suptitle(f"{collected['model']}: per-epoch {'training and validation' if has_validation else 'training'} metrics (band: ±1 std over seeds)", fontsize=11)
    figure.tight_layout()
    return _png(figure)


def test_results(collected: dict) -> bytes:
    """Every seed's test accuracy and loss per framework, the mean ± std, and the tutorial's figure."""
    figures = published(collected)
    reference = {"accuracy": published_accuracy(collected), "loss": figures.get("test loss")}
    summaries = {framework: test_summary(runs_of(collected, framework)) for framework in FRAMEWORKS}
    columns = ((1, "accuracy"), (2, "loss")) if summaries["lightning"].has_accuracy else ((2, "loss"),)
    figure, axes = plt.subplots(1, len(columns), figsize=(5 * len(columns), 3.2), squeeze=False)
    for axis, (column, metric) in zip(axes[0], columns):
        for position, framework in enumerate(FRAMEWORKS):
            summary = summaries[framework]
            values = [row[column] for row in summary.per_seed]  # per_seed rows: seed, accuracy, loss
            axis.scatter([position] * len(values), values, color=COLORS[framework], alpha=0.6, zorder=3, label="one seed" if position == 0 else None)
            mean, spread = getattr(summary, f"{metric}_mean"), getattr(summary, f"{metric}_std")
            axis.errorbar([position + 0.15], [mean], yerr=[spread], fmt="D", color=COLORS[framework], capsize=4, zorder=4, label="mean ± std" if position == 0 else None)
        if reference[metric] is not None:
            axis.axhline(reference[metric], color="#333333", linestyle="--", linewidth=1, label=f"tutorial: {reference[metric]:.4g}")
        axis.set_xticks(range(len(FRAMEWORKS)), [FRAMEWORK_LABELS[name] for name in FRAMEWORKS])
        axis.set_xlim(-0.6, len(FRAMEWORKS) - 0.4)
        axis.set_title(f"{metric} on the {summaries['lightning'].split} split")
        axis.grid(alpha=0.3, axis="y")
        axis.legend(fontsize=8)
    return _png(figure)


def speed(collected: dict) -> bytes:
    """Median steady-state seconds per epoch, one bar per framework."""
    summaries = {framework: speed_summary(runs_of(collected, framework)) for framework in FRAMEWORKS}
    figure, axis = plt.subplots(figsize=(6, 2.6))
    labels = [FRAMEWORK_LABELS[name] for name in FRAMEWORKS]
    values = [summaries[name].seconds_per_epoch for name in FRAMEWORKS]
    bars = axis.barh(labels, values, color=[COLORS[name] for name in FRAMEWORKS])
    for bar, name in zip(bars, FRAMEWORKS):
        axis.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {summaries[name].seconds_per_epoch:.2f} s ({summaries[name].samples_per_second:,.0f} samples/s)", va="center", fontsize=8)
    axis.set_xlabel("seconds per epoch (median of epochs 2+, over seeds)")
    axis.set_xlim(0, max(values) * 1.6)
    axis.invert_yaxis()
    return _png(figure)


FIGURES = {"learning_curves.png": learning_curves, "test_results.png": test_results, "speed.png": speed}
