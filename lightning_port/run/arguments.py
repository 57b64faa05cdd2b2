"""argparse helpers shared by every entry point (``lightning_port.cli`` and ``keras_reference.run``):
typed flags with one-line errors. Flags that define a run default to None: "not typed", which
resolution (``run.resolve``) fills from the recipe, or on ``--resume`` from the stored run."""

from __future__ import annotations

import argparse

from lightning_port.registry import DEFAULT_MODEL, model_names

ACCELERATORS = ("cpu", "gpu", "auto")
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed", "bf16-true", "64-true")
STRATEGIES = ("auto", "ddp", "ddp_spawn")


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
    return value


def positive_int(text: str) -> int:
    return _whole_number(text, 1)


def sample_count(text: str) -> int | str:
    """A positive count of training samples, or "all"."""
    return "all" if text.strip().lower() == "all" else positive_int(text)


def non_negative_int(text: str) -> int:
    return _whole_number(text, 0)


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {value}")
    return value


def devices(text: str) -> int | str:
    if text == "auto":
        return text
    return positive_int(text)


def add_model_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--model",
        choices=model_names(),
        default=None,  # not typed: DEFAULT_MODEL for a new run, the stored model on --resume
        required=required,
        metavar="NAME",
        help=f"registered tutorial: {', '.join(model_names())}" + ("" if required else f" (default: {DEFAULT_MODEL})"),
    )


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accelerator", choices=ACCELERATORS, default="auto", help="cpu, gpu or auto (default)")
    parser.add_argument("--devices", type=devices, default=1, help="devices per node, or 'auto' (default: 1)")
    parser.add_argument("--precision", choices=PRECISIONS, default="32-true", help="Lightning precision (default: 32-true)")


def add_schedule_arguments(parser: argparse.ArgumentParser, batch_size_help: str = "default: the tutorial's") -> None:
    parser.add_argument("--epochs", type=positive_int, help="default: the tutorial's")
    parser.add_argument("--batch-size", type=positive_int, help=batch_size_help)
    parser.add_argument("--seed", type=non_negative_int, help="default: the tutorial's, else 0")


def add_data_arguments(parser: argparse.ArgumentParser, resumable: bool = False) -> None:
    """``resumable``: the command resumes runs that remember their data root (train.py)."""
    resumed = "; with --resume, where the run started while that folder exists, else $LIGHTNING_PORT_DATA" if resumable else ""
    parser.add_argument("--data-dir", help=f"data root (default: $LIGHTNING_PORT_DATA, else ./data{resumed})")
    parser.add_argument(
        "--max-train-samples", type=sample_count,
        help="train on this many samples only (quick runs); 'all' lifts a tutorial's own slice (functional_resnet fits the guide's first 1,000 images)",
    )
    parser.add_argument("--holdout", type=fraction, help="pima_mlp: also score a stratified held-out fraction, e.g. 0.2")


def recipes_epilog() -> str:
    """--help's list of the registered recipes, each with the article a reader can follow."""
    from lightning_port.registry import recipes_in_order

    lines = ["registered tutorials (model: article, author, address):"]
    for recipe in recipes_in_order():
        lines.append(f"  {recipe.name}: {recipe.description}")
        lines.append(f"      {recipe.article.citation()}")
    return "\n".join(lines)
