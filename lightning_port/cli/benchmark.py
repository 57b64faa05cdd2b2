"""``python scripts/benchmark.py``: the port vs a hand-written PyTorch floor vs Keras on
TensorFlow and on torch, in each execution mode (evidence/benchmarking/modes.py), side by side
in one run."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from lightning_port.evidence.benchmarking.fastest import FASTEST_TARGETS
from lightning_port.evidence.benchmarking.modes import FRAMEWORKS, MODES
from lightning_port.registry import model_names
from lightning_port.run import arguments

DEFAULT_ROUNDS = 5  # the speed issue asks for at least 5 interleaved rounds
INCOMPLETE = 3  # exit status: stopped at --stop-after-seconds; run again to continue


def _subset(parser: argparse.ArgumentParser, text: str, known: tuple[str, ...], flag: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        parser.error(f"{flag} takes a comma-separated subset of {', '.join(known)}; got {text!r}")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benchmark.py", description="Seconds per epoch in each execution mode: Lightning port, PyTorch floor, Keras on TensorFlow and on torch.")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", nargs="+", choices=model_names(), metavar="NAME", help=f"one or more of: {', '.join(model_names())}")
    which.add_argument("--targeted", action="store_true", help="the models the speed targets are for (the MNIST tutorials, mnist_convnet, cifar_cnn)")
    which.add_argument("--all", action="store_true", help="every registered model")
    which.add_argument("--render-only", action="store_true", help="measure nothing; rewrite --markdown from the JSON files beside --output")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated subset of {', '.join(MODES)} (default: all)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS), help=f"comma-separated subset of {', '.join(FRAMEWORKS)} (default: all)")
    parser.add_argument("--epochs", type=arguments.positive_int, default=3, help="epochs per measurement; the first is dropped as warm-up (default: 3)")
    parser.add_argument("--rounds", type=arguments.positive_int, default=DEFAULT_ROUNDS, help=f"interleaved rounds (default: {DEFAULT_ROUNDS})")
    parser.add_argument("--accelerator", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--precision", choices=arguments.PRECISIONS, default="32-true")
    arguments.add_data_arguments(parser)
    parser.add_argument("--output", help="benchmark JSON (default: docs/benchmarks/<accelerator>.json)")
    parser.add_argument("--markdown", help="page to (re)write from every JSON beside --output (default: docs/benchmarks.md)")
    parser.add_argument("--quiet", action="store_true", help="hide the workers' own output")
    parser.add_argument("--journal", metavar="DIR", help="keep every measurement in DIR as it is made and reuse those already there: an interrupted run continues where it stopped")
    parser.add_argument("--stop-after-seconds", type=arguments.positive_int, metavar="S", help="start no measurement after S seconds; with --journal, a later run continues (exit status 3 until complete)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    frameworks = _subset(parser, args.frameworks, FRAMEWORKS, "--frameworks")
    modes = _subset(parser, args.modes, tuple(MODES), "--modes")
    if args.holdout is not None:
        parser.error("--holdout changes what is scored, not what is trained; it has no place in a speed benchmark")
    settings = {
        "epochs": args.epochs,
        "accelerator": args.accelerator,
        "precision": args.precision,
        "data_dir": args.data_dir,
        "max_train_samples": args.max_train_samples,
        "quiet": args.quiet,
        "per_model": {},
    }
    from lightning_port.registry import get_recipe

    if args.all or args.render_only:
        models = model_names()
    elif args.targeted:
        # The per-mode targets' models (Evidence.speed_targeted) and the fastest-against-fastest ones.
        models = [name for name in model_names() if get_recipe(name).evidence.speed_targeted or name in FASTEST_TARGETS]
    else:
        models = list(dict.fromkeys(args.model))
    recipes = [get_recipe(name) for name in models]
    notes = []
    for recipe in recipes:
        # Convolution models on a CPU: a full epoch takes minutes per framework, so time a
        # prefix (samples/s is what compares); a GPU run uses the whole set.
        prefix = recipe.evidence.benchmark_cpu_samples
        if args.accelerator == "cpu" and args.max_train_samples is None and prefix:
            settings["per_model"][recipe.name] = {"max_train_samples": prefix}
            notes.append(f"{recipe.name} on CPU: the first {prefix:,} training images per epoch (plus the full validation pass, where the recipe validates, in every framework); compare samples/s.")
    if args.max_train_samples:
        notes.append(f"Every model trained on its first {args.max_train_samples:,} samples (--max-train-samples).")

    from lightning_port.support.atomic import atomic_write_json
    from lightning_port.evidence.benchmarking.render import fastest_text_table, text_table
    from lightning_port.evidence.benchmarking.runner import BenchmarkIncomplete, run_benchmark

    output = Path(args.output or Path("docs") / "benchmarks" / f"{args.accelerator}.json")
    markdown_path = Path(args.markdown or Path("docs") / "benchmarks.md")
    if not args.render_only:
        if args.stop_after_seconds and not args.journal:
            parser.error("--stop-after-seconds needs --journal (the measurements made before the stop are kept there)")
        deadline = time.monotonic() + args.stop_after_seconds if args.stop_after_seconds else None
        try:
            report = run_benchmark(
                recipes, settings, modes, frameworks, args.rounds, progress=lambda text: print(f"benchmark: {text}", file=sys.stderr, flush=True),
                journal_dir=Path(args.journal) if args.journal else None, deadline=deadline,
            )
        except BenchmarkIncomplete as error:
            print(f"benchmark.py: incomplete: {error}; the journal {args.journal} keeps what was measured: run the same command again to continue", file=sys.stderr)
            return INCOMPLETE
        except ValueError as error:
            print(f"benchmark.py: error: {error}", file=sys.stderr)
            return 1
        report["notes"] = notes
        atomic_write_json(output, report)
    code = write_page(output.parent, markdown_path)
    if code:
        return code
    if args.render_only:
        print(f"Markdown: {markdown_path} (from the JSON files in {output.parent})")
        return 0
    print()
    print(text_table(report))
    print("\nFastest against fastest:")
    print(fastest_text_table(report))
    for note in notes:
        print(note)
    print(f"\nJSON: {output}\nMarkdown: {markdown_path}")
    return 0


def _read_json_files(paths: list[Path], required_key: str) -> list[dict] | None:
    reports = []
    for path in paths:
        try:
            reports.append(json.loads(path.read_text()))
        except json.JSONDecodeError as error:
            print(f"benchmark.py: error: {path}: not valid JSON ({error.msg}, line {error.lineno}); delete it or re-run the benchmark", file=sys.stderr)
            return None
        if required_key not in reports[-1]:
            print(f"benchmark.py: error: {path}: written by an older version (no {required_key!r}); delete it or re-run it", file=sys.stderr)
            return None
    return reports


def write_page(json_dir: Path, markdown_path: Path) -> int:
    """Rewrite the page from every benchmark JSON in ``json_dir`` and every step profile in
    ``json_dir/profiles``; 1 (after a one-line error) when a file cannot be read."""
    from lightning_port.evidence.benchmarking.render import page
    from lightning_port.support.atomic import atomic_write_text

    reports = _read_json_files(sorted(json_dir.glob("*.json")), "modes")
    profiles = _read_json_files(sorted((json_dir / "profiles").glob("*.json")), "configurations")
    if reports is None or profiles is None:
        return 1
    atomic_write_text(markdown_path, page(reports, profiles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
