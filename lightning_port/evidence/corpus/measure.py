"""Each corpus model built in a fresh, seeded Keras session, saved as .keras, and ported by
``lightning_port.porting.port.port_model`` (scripts/port.py's own function) on its seeded
synthetic data: the outcome, the port's own refusal message, and every parity row.

Keras is imported lazily; the caller selects its backend first. Nothing here chooses what a
model's outcome is: a refusal is the port's PortError, a verdict is the port's report.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lightning_port.evidence.corpus.describe import describe_model
from lightning_port.evidence.corpus.modules import corpus_module, corpus_names
from lightning_port.evidence.corpus.outcomes import BEYOND_BOUND, NOT_SAVED, PORT_FAILED, PORTED, REFUSED
from lightning_port.evidence.parity.truth import FLOAT64_AGREEMENT, KERAS_ERROR_FACTOR
from lightning_port.porting.port import port_model
from lightning_port.porting.reader import PortError
from lightning_port.support.provenance import stamp

SEED = 0
# Forward outputs are compared on this many seeded samples; gradients on the first batch of
# 32 (Keras's fit() default, which a .keras file does not store) and 3 optimizer steps on
# the first three batches. Fewer than port.py's default 1,000 keeps the largest model in seconds.
SAMPLES = 256
ROW_KEYS = ("quantity", "note", "port_error", "keras_error", "ratio", "float64_difference", "bound", "passed")


def _one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def _reason(error: PortError, path: Path) -> str:
    """The port's message without the file's path (a scratch folder, different every run)."""
    message = " ".join(str(error).split())
    prefix = f"{path}: "
    return message[len(prefix):] if message.startswith(prefix) else message.replace(str(path), path.name)


def _ported(report: dict) -> dict:
    rows = [{key: row.get(key) for key in ROW_KEYS} for row in report["parity"]]
    differences = report["architecture"]["differences"]
    return {
        "outcome": PORTED if report["passed"] else BEYOND_BOUND,
        "reason": None,
        "beyond_bound": [row["quantity"] for row in rows if row["passed"] is False] + (["architecture"] if differences else []),
        "architecture_differences": differences,
        "rows": rows,
        "data": report["data"],
        "metrics": report["metrics"],
    }


def measure_model(name: str, scratch: Path) -> dict:
    """One corpus model, ported in ``scratch`` (an empty folder)."""
    import keras

    module = corpus_module(name)
    keras.backend.clear_session()  # a fresh session: layer names as a first run gives them
    keras.utils.set_random_seed(SEED)
    model = module.build_model()
    entry = {"name": name, "source": dict(module.SOURCE), "model": describe_model(model)}
    path = scratch / f"{name}.keras"
    started = time.perf_counter()
    try:
        model.save(path)
    except Exception as error:  # noqa: BLE001 - whatever Keras raises, the row says it
        return entry | {"outcome": NOT_SAVED, "reason": _one_line(error), "rows": [], "seconds": 0.0, **stamp()}
    try:
        entry |= _ported(port_model(path, scratch / "port", samples=SAMPLES))
    except PortError as error:
        entry |= {"outcome": REFUSED, "reason": _reason(error, path), "rows": []}
    except Exception as error:  # noqa: BLE001 - a crash in the port is a bug: recorded, not hidden
        entry |= {"outcome": PORT_FAILED, "reason": _one_line(error), "rows": []}
    return entry | {"seconds": round(time.perf_counter() - started, 2), **stamp()}


def measure_corpus(names: list[str] | None = None, progress: Callable[[str], None] = print) -> list[dict]:
    """The entries of ``names`` (default: every corpus module), in name order."""
    entries = []
    for name in names or corpus_names():
        with tempfile.TemporaryDirectory(prefix=f"corpus-{name}-") as folder:
            entry = measure_model(name, Path(folder))
        entries.append(entry)
        progress(f"{name}: {entry['outcome']}" + (f" ({entry['reason']})" if entry.get("reason") else "") + f", {entry['seconds']} s")
    return entries


def criterion() -> dict:
    """The thresholds the rows were judged by, stored with them."""
    return {"float64_agreement": FLOAT64_AGREEMENT, "keras_error_factor": KERAS_ERROR_FACTOR}


def settings() -> dict:
    return {"seed": SEED, "samples": SAMPLES}
