"""docs/weights.md is the weight table of today's layer kinds (python scripts/weight_table.py)."""

from lightning_port.layers.table import weight_table_markdown
from tests.conftest import REPOSITORY_ROOT


def test_the_committed_weight_table_is_current():
    assert (REPOSITORY_ROOT / "docs" / "weights.md").read_text() == weight_table_markdown(), "re-render: python scripts/weight_table.py"
