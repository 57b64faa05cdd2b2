"""``python scripts/benchmark_recurrent.py``: the recurrent layers' fused kernel and cell loop
side by side (evidence/benchmarking/recurrent_paths.py); writes docs/recurrent_paths/cpu.json
and docs/recurrent_paths.md (``--render-only``: the page from the existing JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lightning_port.run import arguments
from lightning_port.support.provenance import REPOSITORY_ROOT

DEFAULT_JSON = REPOSITORY_ROOT / "docs" / "recurrent_paths" / "cpu.json"
DEFAULT_PAGE = REPOSITORY_ROOT / "docs" / "recurrent_paths.md"


def build_parser() -> argparse.ArgumentParser:
    from lightning_port.evidence.benchmarking.recurrent_paths import PASSES, ROUNDS

    parser = argparse.ArgumentParser(prog="benchmark_recurrent.py", description="Forward and backward milliseconds of recurrent layers in torch's fused kernel and in Keras's cell loop, side by side.")
    parser.add_argument("--rounds", type=arguments.positive_int, default=ROUNDS, help=f"interleaved rounds (default: {ROUNDS})")
    parser.add_argument("--passes", type=arguments.positive_int, default=PASSES, help=f"passes per round and path (default: {PASSES})")
    parser.add_argument("--output", default=str(DEFAULT_JSON), help="the JSON (default: docs/recurrent_paths/cpu.json)")
    parser.add_argument("--markdown", default=str(DEFAULT_PAGE), help="the page (default: docs/recurrent_paths.md)")
    parser.add_argument("--render-only", action="store_true", help="measure nothing; rewrite the page from the JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from lightning_port.evidence.benchmarking.recurrent_paths import markdown, measure_all
    from lightning_port.support.atomic import atomic_write_json, atomic_write_text

    output = Path(args.output)
    if args.render_only:
        try:
            report = json.loads(output.read_text())
        except (OSError, ValueError) as error:
            print(f"benchmark_recurrent.py: error: cannot read {output} ({error}); run without --render-only to measure it", file=sys.stderr)
            return 1
    else:
        report = measure_all(args.rounds, args.passes, progress=lambda line: print(line, flush=True))
        atomic_write_json(output, report)
    atomic_write_text(Path(args.markdown), markdown(report))
    print(f"JSON: {output}\nMarkdown: {args.markdown}")
    return 0
