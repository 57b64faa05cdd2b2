"""Choosing the Keras 3 backend before Keras is imported."""

from __future__ import annotations

import importlib.util
import os
import sys

BACKENDS = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}


class BackendError(RuntimeError):
    pass


def default_backend() -> str:
    """The tutorials' TensorFlow where it is installed; else torch (the GPU image has no TensorFlow)."""
    return "tensorflow" if importlib.util.find_spec("tensorflow") else "torch"


def select_backend(name: str) -> None:
    """Set KERAS_BACKEND, failing clearly if the backend's package is missing or too late."""
    if name not in BACKENDS:
        raise BackendError(f"unknown Keras backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if importlib.util.find_spec(BACKENDS[name]) is None:
        hint = "pip install -e '.[keras]'" if name == "tensorflow" else f"pip install {BACKENDS[name]}"
        raise BackendError(f"the Keras {name} backend needs the {BACKENDS[name]!r} package, which is not installed ({hint})")
    if importlib.util.find_spec("keras") is None:
        raise BackendError("keras is not installed (pip install -e '.[keras]')")
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != name:
            raise BackendError(f"Keras was already imported with the {keras.backend.backend()} backend; start a new process")
        return
    if name == "tensorflow" and importlib.util.find_spec("torch") is not None:
        # Loading Triton (torch._dynamo pulls it in; Lightning imports it through
        # torchmetrics -> torchvision) after TensorFlow segfaults the process. Load the torch
        # side first so either import order is safe in one process.
        import torch._dynamo  # noqa: F401
    os.environ["KERAS_BACKEND"] = name
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
