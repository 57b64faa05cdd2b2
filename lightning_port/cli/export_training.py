"""``python scripts/export_training.py``: each tutorial's export trained from its own train.py in a
fresh folder outside the checkout (``lightning_port.evidence.exports.measure``); a record per run
in docs/exports/ and docs/exports.md rendered from them after each run, so an interrupted pass
keeps every run it finished (``--missing`` then trains only the tutorials without a record).
A run that fails leaves the earlier record in place: its record goes beside it as
``<model>-<schedule>.failed.json``, outside the page, and the command exits 1."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lightning_port.run import arguments
from lightning_port.support.provenance import REPOSITORY_ROOT

DEFAULT_OUTPUT = REPOSITORY_ROOT / "docs"
LOG_DIR = REPOSITORY_ROOT / "runs" / "export-training"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="export_training.py",
        description="Train each tutorial's export from its own train.py outside the checkout; write docs/exports/ and docs/exports.md.",
        epilog=arguments.recipes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", action="append", metavar="NAME", help="this tutorial only (repeatable; default: every tutorial)")
    parser.add_argument(
        "--schedule", choices=("target", "listing"), default="target",
        help="target: the schedule the recipe's accuracy or loss target holds for (default); listing: train.py's defaults",
    )
    parser.add_argument("--missing", action="store_true", help="skip the tutorials that already have a record at this schedule")
    parser.add_argument("--data-dir", help="the data root (default: $LIGHTNING_PORT_DATA, else ./data)")
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT), help="where exports/ and exports.md go (default: docs/)")
    parser.add_argument("--render-only", action="store_true", help="re-render exports.md from the existing records")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from lightning_port.evidence.exports import measure, render
    from lightning_port.export.data_source import GENERATED
    from lightning_port.registry import UnknownModelError, get_recipe, recipes_in_order
    from lightning_port.support.atomic import atomic_write_text

    output = Path(args.output_dir)
    records_dir, page = output / "exports", output / "exports.md"
    if not args.render_only:
        try:
            recipes = [get_recipe(name) for name in args.model] if args.model else list(recipes_in_order())
        except UnknownModelError as error:
            print(f"export_training.py: error: {error}", file=sys.stderr)
            return 2
        data_dir = Path(args.data_dir or os.environ.get("LIGHTNING_PORT_DATA") or "data")
        if not data_dir.is_dir() and any(recipe.dataset not in GENERATED for recipe in recipes):
            print(f"export_training.py: error: no data folder {data_dir}: pass --data-dir DIR (the folder holding MNIST/, cifar-10-batches-py/, ...) or set LIGHTNING_PORT_DATA", file=sys.stderr)
            return 2
        failed = []
        for recipe in recipes:
            schedule = measure.SCHEDULES[args.schedule](recipe)
            path = measure.record_path(records_dir, recipe, schedule)
            if args.missing and path.exists():
                continue
            print(f"{recipe.name}: {schedule.description} (log: {LOG_DIR / path.with_suffix('.log').name})", flush=True)
            record = measure.train_export(recipe, schedule, data_dir, recipe.default_seed, LOG_DIR)
            if record["verdict"].startswith("failed"):
                failed.append(recipe.name)
                path = path.with_suffix(".failed.json")
            else:
                path.with_suffix(".failed.json").unlink(missing_ok=True)  # an earlier failure, now superseded
            measure.write_record(record, path)
            atomic_write_text(page, render.render(render.read_records(records_dir)))
            print(f"  {render.runs_line(record)}", flush=True)
        if failed:
            print(f"export_training.py: error: {', '.join(failed)} failed; the output is in {LOG_DIR}", file=sys.stderr)
            return 1
    atomic_write_text(page, render.render(render.read_records(records_dir)))
    print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
