"""The --keras-backend flag of the scripts that run the Keras reference beside the port."""

from __future__ import annotations

import argparse

from keras_reference.backend import BACKENDS  # no Keras import: only the names


def add_keras_backend_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keras-backend", choices=list(BACKENDS), help="default: tensorflow when installed, else torch")
