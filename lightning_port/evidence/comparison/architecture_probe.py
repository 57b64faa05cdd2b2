"""``python -m lightning_port.evidence.comparison.architecture_probe``: both architectures, side by side.

Runs in its own process because it builds the live Keras model (TensorFlow and torch in one
process need a careful import order, which ``keras_reference.backend`` handles) and because
a report can then be rebuilt on a machine without Keras, with that section marked missing.
"""

from __future__ import annotations

import argparse
import sys

from lightning_port.support.atomic import atomic_write_json


def describe(model: str, backend: str) -> dict:
    from keras_reference import tutorial_module
    from keras_reference.backend import select_backend

    select_backend(backend)
    from lightning_port.models import build_backbone
    from lightning_port.evidence.parity.architecture import compare_rows, keras_rows, lightning_rows
    from lightning_port.registry import get_recipe

    recipe = get_recipe(model)  # this process is an entry point: the one lookup
    keras_side = keras_rows(tutorial_module(recipe).build_model())
    lightning_side = lightning_rows(build_backbone(recipe))
    return {
        "keras": [row.as_dict() for row in keras_side],
        "lightning": [row.as_dict() for row in lightning_side],
        "differences": compare_rows(keras_side, lightning_side),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lightning_port.evidence.comparison.architecture_probe")
    parser.add_argument("--model", required=True)
    parser.add_argument("--backend", default="tensorflow")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    atomic_write_json(args.output, describe(args.model, args.backend))
    return 0


if __name__ == "__main__":
    sys.exit(main())
