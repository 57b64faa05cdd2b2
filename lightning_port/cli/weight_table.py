"""``python scripts/weight_table.py``: docs/weights.md, the weight table of every layer kind."""

from __future__ import annotations

import argparse
import sys

from lightning_port.layers.table import weight_table_markdown
from lightning_port.support.atomic import atomic_write_text
from lightning_port.support.provenance import REPOSITORY_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="weight_table.py", description="Write docs/weights.md: each layer kind's Keras weights, torch tensors and translations.")
    parser.add_argument("--output", default=str(REPOSITORY_ROOT / "docs" / "weights.md"))
    args = parser.parse_args(argv)
    path = atomic_write_text(args.output, weight_table_markdown())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
