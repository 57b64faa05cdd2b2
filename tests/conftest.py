"""Shared fixtures. Tests read the real data sets from the data root; nothing is downloaded."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import lightning  # noqa: F401  (before TensorFlow: see keras_reference.backend)
import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPOSITORY_ROOT.parent / "shared" / "data"

# Tests never download: a missing data set must fail loudly, not fetch silently.
os.environ.setdefault("LIGHTNING_PORT_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


def data_root() -> Path:
    configured = os.environ.get("LIGHTNING_PORT_DATA")
    if configured:
        return Path(configured)
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    return REPOSITORY_ROOT / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return data_root()


def keras_available() -> bool:
    try:
        import keras  # noqa: F401
    except ImportError:
        return False
    return True


# ---- parallel workers (pytest-xdist: make test runs the suite with -n) ----


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if not _is_worker(config):
        return
    # The machine's cores shared among the workers: two workers of two OpenMP threads each on
    # two cores stall every parallel region on a descheduled thread (measured: a compiled
    # mnist_mlp epoch took 30-50 s instead of 0.6 s beside another busy process). Children
    # (scripts, DDP ranks, Keras's TensorFlow) inherit the same share.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    threads = max(1, (os.cpu_count() or 1) // workers)
    for variable in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[variable] = str(threads)
    import torch

    torch.set_num_threads(threads)


def pytest_report_header(config):
    """Which numeric environment ran: parity verdicts must not depend on it."""
    from lightning_port.support.provenance import numeric_environment

    return f"numeric environment: {numeric_environment()}"


def pytest_collection_modifyitems(config, items):
    if keras_available():
        return
    skip = pytest.mark.skip(reason="keras is not installed: pip install -e '.[keras]' (make test does)")
    for item in items:
        if "keras" in item.keywords or "parity" in item.keywords:
            item.add_marker(skip)


_PARITY = None


@pytest.fixture(scope="session")
def parity():
    """Records each parity comparison (measured vs tolerance) for the end-of-run table."""
    global _PARITY
    from lightning_port.evidence.parity.checks import ParityRecorder

    if _PARITY is None:
        _PARITY = ParityRecorder()
    return _PARITY


@pytest.fixture(scope="session")
def keras_tensorflow():
    """Keras on its TensorFlow backend (the tutorials' own), imported once per session."""
    if not keras_available():
        pytest.skip("keras is not installed: pip install -e '.[keras]'")
    from keras_reference.backend import select_backend

    select_backend("tensorflow")
    import keras

    return keras


def pytest_sessionfinish(session):
    """A worker hands its parity records to the controller, which writes the one table."""
    if _is_worker(session.config) and _PARITY is not None:
        from dataclasses import asdict

        session.config.workeroutput["parity_checks"] = [asdict(check) for check in _PARITY.checks]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """(xdist, on the controller) A worker finished: its parity rows join this run's, stamped
    with this run's id, so the table and reports/parity/checks.json hold every worker's rows."""
    rows = getattr(node, "workeroutput", {}).get("parity_checks") or []
    if not rows:
        return
    from lightning_port.evidence.parity.checks import ParityCheck, ParityRecorder

    global _PARITY
    if _PARITY is None:
        _PARITY = ParityRecorder()
    _PARITY.checks.extend(ParityCheck(**{**row, "run_id": _PARITY.run_id}) for row in rows)


def pytest_terminal_summary(terminalreporter):
    if _is_worker(terminalreporter.config) or _PARITY is None or not _PARITY.checks:
        return
    path = _PARITY.write()
    terminalreporter.section("parity checks (measured vs tolerance)")
    terminalreporter.write_line(_PARITY.table())
    terminalreporter.write_line(f"written to {path}")


# The commits whose Keras runner reshuffled every epoch without recording "epoch_order".
RESHUFFLED_WITHOUT_THE_FIELD = ("543d716", "d3838b3")


class FullRuns:
    """Full tutorial-length runs, each trained once and shared by the tests that need it
    (accuracy targets of either framework, the multi-seed comparison).

    By default they live in this session's temporary folder. Where ``LIGHTNING_PORT_FULL_RUNS``
    names a folder (``make parity`` sets ``runs/full-runs``), they outlive the session, as an
    hours-long comparison must on this machine: a finished run (its result.json) is read back
    instead of trained again, and one cut short continues from its last finished epoch, or,
    for a Keras listing that calls fit() in phases (which Keras cannot resume), starts over
    with the unfinished folder kept beside it. Each outcome row names the commits its runs
    were measured at; delete the folder to measure everything at the current commit.
    """

    def __init__(self, root: Path, data: Path):
        self.root, self.data = root, data
        self._results: dict[tuple[str, str, int], dict] = {}

    def output_dir(self, framework: str, model: str, seed: int, **options) -> Path:
        suffix = "".join(f"-{key}{value}" for key, value in sorted(options.items()))
        return self.root / f"{framework}-{model}-{seed}{suffix}"

    def get(self, framework: str, model: str, seed: int, **options) -> dict:
        """``options``: epochs / max_train_samples for shortened runs."""
        key = (framework, model, seed, tuple(sorted(options.items())))
        if key not in self._results:
            output_dir = self.output_dir(framework, model, seed, **options)
            finished = self._finished(output_dir, framework, model, seed, options)
            self._results[key] = finished if finished is not None else self._train(output_dir, framework, model, seed, options)
        return self._results[key]

    @staticmethod
    def _finished(output_dir: Path, framework: str, model: str, seed: int, options: dict) -> dict | None:
        path = output_dir / "result.json"
        if not path.exists():
            return None
        from lightning_port.registry import get_recipe

        result = json.loads(path.read_text())
        recipe = get_recipe(model)
        expected = {"model": model, "framework": framework, "seed": seed, "batch_size": recipe.batch_size, "epochs": options.get("epochs", recipe.epochs)}
        found = {name: result.get(name) for name in expected}
        if found != expected:
            raise RuntimeError(f"{path} holds another run ({found}, expected {expected}): delete {output_dir} to train it again")
        if framework == "keras" and result.get("backend") == "tensorflow":
            # Before 543d716 the runner kept TensorFlow's global seed, so every Keras run
            # replayed its first epoch's order (README, Reproducibility); 543d716 and d3838b3
            # (a README change) reshuffled but did not yet write "epoch_order" into result.json.
            unrecorded = str(result.get("commit", "")).startswith(RESHUFFLED_WITHOUT_THE_FIELD)
            order = result.get("epoch_order") or ("reshuffled" if unrecorded else "replayed")
            wanted = "replayed" if options.get("replay_epoch_order") else "reshuffled"
            if order != wanted:
                raise RuntimeError(f"{path} is a Keras run whose epochs were {order}, not {wanted}: move {output_dir} aside to train it again")
        return result

    def _train(self, output_dir: Path, framework: str, model: str, seed: int, options: dict) -> dict:
        if framework == "lightning":
            from lightning_port.run.resolve import RUN_CONFIG_FILE, resolve_training_run
            from lightning_port.training.fit import run_training

            if (output_dir / RUN_CONFIG_FILE).exists():  # the stored run holds its own identity: only the data folder is passed
                run = resolve_training_run(output_dir=output_dir, resume=True, data_dir=str(self.data), accelerator="cpu", progress_bar=False, **options)
            else:
                run = resolve_training_run(output_dir=output_dir, model=model, seed=seed, data_dir=str(self.data), accelerator="cpu", progress_bar=False, **options)
            return run_training(run)
        from keras_reference.run import RUN_CONFIG_FILE, run_reference
        from lightning_port.registry import get_recipe
        from lightning_port.run.resolve import resolve_keras_run

        recipe = get_recipe(model)
        started = (output_dir / RUN_CONFIG_FILE).exists()
        resume = started and not recipe.phases
        if started and not resume:
            kept = output_dir.with_name(output_dir.name + ".interrupted")
            shutil.rmtree(kept, ignore_errors=True)
            output_dir.rename(kept)
        run = resolve_keras_run(output_dir=output_dir, recipe=recipe, seed=seed, data_dir=str(self.data), verbose=0, resume=resume, **options)
        return run_reference(run)


def _full_runs_root(tmp_path_factory) -> Path:
    configured = os.environ.get("LIGHTNING_PORT_FULL_RUNS")
    if not configured:
        return tmp_path_factory.mktemp("full-runs")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Two workers would both find a run's folder and train it at once: no lock is kept.
        raise pytest.UsageError("LIGHTNING_PORT_FULL_RUNS is kept by one process: run make parity / make slow without -n")
    root = Path(configured).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def full_runs(tmp_path_factory, data_dir):
    return FullRuns(_full_runs_root(tmp_path_factory), data_dir)
