"""``python scripts/import_keras.py``: a Keras model's weights as a Lightning checkpoint.

Reads a ``.weights.h5`` (``model.save_weights``) or a whole ``.keras`` model, translates the
weights (``lightning_port.models.keras_weights``) and writes a checkpoint that ``predict.py``
and ``TutorialClassifier.from_checkpoint`` accept.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from lightning_port.run import arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="import_keras.py", description="Import Keras weights into a Lightning checkpoint.")
    arguments.add_model_argument(parser, required=True)
    parser.add_argument("--weights", required=True, help="a .weights.h5 or .keras file saved from the tutorial's Keras model")
    parser.add_argument("--output", required=True, help="the checkpoint to write (.ckpt)")
    return parser


def read_keras_weights(recipe, path: Path) -> list:
    """The file's weights in ``get_weights()`` order, loaded into the tutorial's own Keras model."""
    from keras_reference import tutorial_module
    from keras_reference.backend import select_backend

    select_backend("tensorflow")
    import keras

    if path.suffix == ".keras":
        # safe_mode: a Lambda layer or custom object in a file from elsewhere is refused, not run.
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    elif path.name.endswith(".weights.h5"):
        model = tutorial_module(recipe).build_model()
        model.load_weights(path, skip_mismatch=False)
    else:
        raise ValueError(f"{path}: expected a .weights.h5 (model.save_weights) or .keras (model.save) file")
    return model.get_weights()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    weights_path = Path(args.weights)
    if not weights_path.is_file():
        parser.error(f"--weights {weights_path}: no such file")
    import lightning
    import torch

    from lightning_port.models.keras_weights import WeightTranslationError, load_keras_weights
    from lightning_port.registry import get_recipe
    from lightning_port.support.atomic import atomic_write_bytes
    from lightning_port.training.system import TutorialClassifier

    recipe = get_recipe(args.model)
    system = TutorialClassifier(recipe)
    try:
        arrays = read_keras_weights(recipe, weights_path)
        load_keras_weights(system.backbone, arrays)
    except (ValueError, WeightTranslationError) as error:
        print(f"import_keras.py: error: {weights_path} does not fit {args.model}: {error}", file=sys.stderr)
        return 1
    checkpoint = {
        "state_dict": system.state_dict(),
        "hyper_parameters": dict(system.hparams),
        "model_name": args.model,
        "history": [],
        "imported_from": str(weights_path),
        "pytorch-lightning_version": lightning.__version__,
    }
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    atomic_write_bytes(args.output, buffer.getvalue())
    print(f"wrote {args.output}: {args.model} with the weights of {weights_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
