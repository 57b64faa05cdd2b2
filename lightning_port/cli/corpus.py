"""``python scripts/corpus.py``: port every model of the tutorial corpus (keras_reference/corpus/)
with scripts/port.py's own function and write docs/corpus.json (the measurements) and
docs/corpus.md (rendered from them). ``--only NAME`` re-measures one model into the existing
JSON; ``--render-only`` re-renders the markdown from it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lightning_port.support.provenance import REPOSITORY_ROOT

DEFAULT_OUTPUT = REPOSITORY_ROOT / "docs"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corpus.py", description="Port every model of the Keras tutorial corpus (keras_reference/corpus/) and write docs/corpus.{json,md}.")
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT), help="where corpus.json and corpus.md go (default: docs/)")
    parser.add_argument("--only", action="append", metavar="NAME", help="re-measure this corpus model into the existing corpus.json (repeatable)")
    parser.add_argument("--render-only", action="store_true", help="re-render corpus.md from the existing corpus.json")
    return parser


def _read(json_path: Path) -> dict:
    return json.loads(json_path.read_text())


def _measure(names: list[str] | None, previous: dict | None) -> dict:
    from keras_reference.backend import select_backend

    select_backend("tensorflow")
    from lightning_port.evidence.corpus import measure
    from lightning_port.support.provenance import numeric_environment, stamp

    def progress(line: str) -> None:
        print(line, flush=True)

    if names is None:
        started = stamp()
        return {"stamp": started, "environment": numeric_environment(), "criterion": measure.criterion(), "settings": measure.settings(), "models": measure.measure_corpus(progress=progress)}
    fresh = {entry["name"]: entry | {"remeasured": True} for entry in measure.measure_corpus(names, progress)}
    kept = [entry for entry in previous["models"] if entry["name"] not in fresh]
    return previous | {"models": sorted(kept + list(fresh.values()), key=lambda entry: entry["name"])}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from lightning_port.evidence.corpus.modules import corpus_names
    from lightning_port.evidence.corpus.render import corpus_markdown, headline
    from lightning_port.support.atomic import atomic_write_json, atomic_write_text

    output = Path(args.output_dir)
    json_path, markdown_path = output / "corpus.json", output / "corpus.md"
    unknown = sorted(set(args.only or ()) - set(corpus_names()))
    if unknown:
        print(f"corpus.py: error: no corpus model {', '.join(unknown)}; the corpus has: {', '.join(corpus_names())}", file=sys.stderr)
        return 2
    previous = None
    if args.render_only or args.only:
        try:
            previous = _read(json_path)
        except (OSError, ValueError) as error:
            print(f"corpus.py: error: cannot read {json_path} ({error}); run without --render-only/--only to measure the whole corpus", file=sys.stderr)
            return 1
    if args.render_only:
        measured = previous
    else:
        try:
            measured = _measure(args.only, previous)
        except KeyboardInterrupt:
            print(f"\ncorpus.py: interrupted; {json_path} was left as it was", file=sys.stderr)
            return 130
        atomic_write_json(json_path, measured)
    atomic_write_text(markdown_path, corpus_markdown(measured))
    print(headline(measured))
    print(f"wrote {markdown_path} (from {json_path})")
    return 0
