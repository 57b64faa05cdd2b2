"""``python scripts/compare.py``: train both frameworks (or reuse their result.json files)
and write a report per model: report.md, a self-contained report.html, PNGs, collected.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lightning_port.run import arguments
from lightning_port.cli.keras_options import add_keras_backend_argument
from lightning_port.registry import model_names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="compare.py", description="Compare the Lightning port with the tutorial's Keras code, with plots.")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", choices=model_names(), help="one registered tutorial")
    which.add_argument("--all", action="store_true", help="every registered tutorial, plus reports/index.html")
    parser.add_argument("--seeds", type=arguments.positive_int, default=3, help="seeds per framework (default: 3)")
    parser.add_argument("--epochs", type=arguments.positive_int, help="default: the tutorial's")
    parser.add_argument("--max-train-samples", type=arguments.positive_int, help="train on this many samples only (quick runs)")
    parser.add_argument("--accelerator", choices=("cpu", "gpu"), default="cpu", help="for the Lightning runs (default: cpu)")
    add_keras_backend_argument(parser)
    parser.add_argument("--data-dir", help="data root (default: $LIGHTNING_PORT_DATA, else ./data)")
    parser.add_argument("--output-dir", default="reports", help="reports go to OUTPUT_DIR/<model>/ (default: reports)")
    parser.add_argument("--from-results", nargs="+", metavar="PATH", help="build from these result.json files or folders instead of training")
    parser.add_argument("--parity-checks", help="parity table written by the test suite (default: reports/parity/checks.json)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.model or args.all or args.from_results):
        parser.error("choose --model NAME, --all, or --from-results PATH...")

    from lightning_port.evidence.comparison.collect import (
        DEFAULT_PARITY_RESULTS,
        CompareSettings,
        ComparisonError,
        collect,
        find_result_files,
        load_runs,
        run_model,
        write_collected,
    )
    from lightning_port.evidence.comparison.render import render_index, render_report
    from lightning_port.registry import get_recipe
    from lightning_port.support.results import ResultFileError

    def progress(text: str) -> None:
        print(f"compare: {text}", file=sys.stderr, flush=True)

    settings = CompareSettings(args.seeds, args.epochs, args.max_train_samples, args.accelerator, args.keras_backend, args.data_dir)
    output_dir = Path(args.output_dir)
    parity_path = Path(args.parity_checks) if args.parity_checks else DEFAULT_PARITY_RESULTS
    try:
        if args.from_results:
            by_model = load_runs(find_result_files(args.from_results))
            wanted = [args.model] if args.model else model_names() if args.all else sorted(by_model)
            absent = [name for name in wanted if name not in by_model]
            if absent:
                raise ComparisonError(f"no results for {', '.join(absent)} in {' '.join(args.from_results)} (found: {', '.join(sorted(by_model)) or 'none'})")
        else:
            wanted = model_names() if args.all else [args.model]
            by_model = {}
            for position, model in enumerate(wanted):
                paths = run_model(get_recipe(model), settings, output_dir, progress, (position, len(wanted)))
                by_model[model] = load_runs(paths)[model]
        reports = []
        for model in wanted:
            collected = collect(get_recipe(model), by_model[model], settings, parity_path, progress)
            directory = output_dir / model
            write_collected(collected, directory)
            written = render_report(collected, directory)
            reports.append(collected)
            progress(f"{model}: {written['report.html']} and {written['report.md']}")
        if len(reports) > 1 or args.all:
            progress(f"index: {render_index(reports, output_dir)}")
    except (ComparisonError, ResultFileError) as error:
        print(f"compare.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ncompare.py: interrupted; finished runs are kept under {output_dir}/<model>/runs/ (rebuild with --from-results)", file=sys.stderr)
        return 130
    return 0
