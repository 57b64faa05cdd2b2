"""Command-line entry point; see `python scripts/export_training.py --help`."""

import sys
from pathlib import Path

# Runnable from a checkout without installing: the package sits next to scripts/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lightning_port.cli.export_training import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
