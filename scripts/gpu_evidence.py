"""Command-line entry point; see `python scripts/gpu_evidence.py --help`.

A developer tool (tools/gpu_evidence): the package's GPU evidence stages plus the transfer
of data and results to and from a remote GPU machine."""

import sys
from pathlib import Path

# Runnable from a checkout without installing: the package and tools/ sit next to scripts/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.gpu_evidence.command import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
