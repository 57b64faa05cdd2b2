# Two entry points (see README): `make train` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The offline copy of the data sets beside the checkout, when there is one.
DATA_DIR ?= $(if $(wildcard ../shared/data),../shared/data,data)
export LIGHTNING_PORT_DATA ?= $(DATA_DIR)
MODEL ?= mnist_mlp
PYTEST_ARGS ?=
# make test's parallel workers (pytest-xdist); each gets an equal share of the cores as its
# thread count (tests/conftest.py). TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2
# e.g. make benchmark BENCHMARK_ARGS="--modes compile --rounds 3"
BENCHMARK_ARGS ?=
# e.g. make benchmark PROFILE_ARGS="--steps 192"
PROFILE_ARGS ?=
# e.g. make export-training EXPORT_TRAINING_ARGS="--model mnist_mlp --missing"
EXPORT_TRAINING_ARGS ?=

.PHONY: train test parity parity-fast slow benchmark report conformance corpus examples export-training gpu-evidence clean

$(BIN)/.installed-runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-all: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[keras,report,dev]'
	touch $@ $(BIN)/.installed-runtime

## Train the default model (mnist_mlp) with the tutorial's recipe.
train: $(BIN)/.installed-runtime
	$(BIN)/python scripts/train.py --model $(MODEL)

## The default test suite (fast; what CI runs), in parallel workers. It must stay within 15
## minutes on a 2-core machine: the slowest tests are listed at the end of every run.
test: $(BIN)/.installed-all
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15 $(PYTEST_ARGS)

# Where make parity / make slow keep their full-length runs (tests/conftest.py FullRuns): a run
# finished there is read back, one cut short resumes, so an interrupted make parity loses at
# most an epoch. Delete the folder to measure every run at the current commit.
FULL_RUNS ?= runs/full-runs
parity slow: export LIGHTNING_PORT_FULL_RUNS ?= $(abspath $(FULL_RUNS))

## Every parity check, the slow multi-seed training comparisons included.
parity: $(BIN)/.installed-all
	$(BIN)/python -m pytest -m parity -o addopts="--strict-markers -p no:cacheprovider" $(PYTEST_ARGS)

## The parity checks of the default suite alone (CI runs them again with TF_ENABLE_ONEDNN_OPTS=0).
parity-fast: $(BIN)/.installed-all
	$(BIN)/python -m pytest -m "parity and not slow and not gpu" -o addopts="--strict-markers -p no:cacheprovider" $(PYTEST_ARGS)

## Everything marked slow (full-length multi-seed comparisons, CIFAR).
slow: $(BIN)/.installed-all
	$(BIN)/python -m pytest -m "slow and not gpu" -o addopts="--strict-markers -p no:cacheprovider" $(PYTEST_ARGS)

## The speed figures of docs/benchmarks.md: every mode and fastest against fastest on the targeted
## models, then where a cifar_cnn step's time goes (port and floor, eager and compiled).
benchmark: $(BIN)/.installed-all
	$(BIN)/python scripts/benchmark.py --targeted $(BENCHMARK_ARGS)
	$(BIN)/python scripts/profile_step.py --model cifar_cnn $(PROFILE_ARGS)

## examples/: every tutorial as plain Lightning code (scripts/export.py); tests/export compares them with today's export.
examples: $(BIN)/.installed-runtime
	$(BIN)/python scripts/export.py --all --output examples

## docs/exports.md: each tutorial's export trained from its own train.py outside the checkout, at
## the schedule its target holds for (about an hour here: cifar_cnn's 50 epochs alone take 40 minutes).
export-training: $(BIN)/.installed-runtime
	$(BIN)/python scripts/export_training.py $(EXPORT_TRAINING_ARGS)

## The conformance table (docs/conformance.md): every layer, loss and optimizer option against live Keras.
conformance: $(BIN)/.installed-all
	$(BIN)/python scripts/conformance.py

## The tutorial corpus (docs/corpus.md): published Keras tutorials rebuilt small, each put through port.py.
corpus: $(BIN)/.installed-all
	$(BIN)/python scripts/corpus.py

## The GPU evidence in resumable stages of under 9 minutes (scripts/gpu_evidence.py --help);
## SMOKE=1: the same stages on this CPU with tiny sizes. No venv is made: the GPU machine has
## no network, so it runs its own python with the carried Keras wheels.
GPU_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
gpu-evidence:
	$(GPU_PYTHON) scripts/gpu_evidence.py $(if $(SMOKE),--smoke) $(if $(EXPORT),--export $(EXPORT)) $(GPU_EVIDENCE_ARGS)

report: $(BIN)/.installed-all
	$(BIN)/python scripts/compare.py --model $(MODEL) --seeds 3

clean:
	rm -rf $(VENV) runs reports
