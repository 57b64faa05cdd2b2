"""``python scripts/export.py``: a tutorial (or a recipe port.py wrote) as a folder of plain
Lightning code that imports torch, lightning, torchmetrics and numpy only; ``--check`` runs the
proof that the folder is the port (``lightning_port.export.proof``)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from lightning_port.run import arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="export.py",
        description="Write a tutorial's port as plain Lightning code: model.py, keras_rules.py, module.py, data.py, train.py.",
        epilog=arguments.recipes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="NAME", help="a registered tutorial")
    source.add_argument("--recipe", metavar="FILE", help="a recipe module (e.g. the recipe.py scripts/port.py wrote)")
    source.add_argument("--all", action="store_true", help="every registered tutorial into OUTPUT/<name>, with an index (make examples)")
    parser.add_argument("--weights", metavar="CKPT", help="a checkpoint of the model (scripts/train.py's, port.py's model.ckpt): written as weights.ckpt")
    parser.add_argument("--output", required=True, metavar="DIR", help="the folder to write (an earlier export there is replaced)")
    parser.add_argument("--check", action="store_true", help="then prove the folder is the port: outputs and training steps against the framework, parity against live Keras")
    parser.add_argument("--data-dir", help="the data root for --check (default: $LIGHTNING_PORT_DATA, else ./data)")
    parser.add_argument(
        "--fresh-run", metavar="ARGS", nargs="?", const="",
        help="then copy the folder to a new one outside the checkout and run its train.py there (with ARGS), "
        "only torch, lightning, torchmetrics and numpy (and their dependencies) importable",
    )
    return parser


def _recipe(args):
    from lightning_port.registry import get_recipe, recipe_from_file

    return recipe_from_file(args.recipe) if args.recipe else get_recipe(args.model)


def _backbone_state(recipe, weights: str | None) -> dict:
    """The weights to export: the checkpoint's, else a fresh backbone's (the recipe's seed)."""
    import torch

    from lightning_port.models import build_backbone

    if weights:
        from lightning_port.training.restore import load_trained_classifier

        return load_trained_classifier(weights, recipe).backbone.state_dict()
    torch.manual_seed(recipe.default_seed)
    return build_backbone(recipe).state_dict()


def _keras_model(recipe, state: dict):
    """The live Keras model of the recipe holding ``state``; None without Keras installed."""
    try:
        from keras_reference.backend import select_backend

        select_backend("tensorflow")
    except Exception:  # noqa: BLE001 - no Keras: (c) is not measured, and the report says so
        return None
    from lightning_port.evidence.parity.keras_models import build_keras_model
    from lightning_port.models import build_backbone
    from lightning_port.models.keras_weights import export_keras_weights

    backbone = build_backbone(recipe)
    backbone.load_state_dict(state)
    model = build_keras_model(recipe)
    model.set_weights(export_keras_weights(backbone))
    return model


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.all and (args.weights or args.check or args.fresh_run is not None):
        build_parser().error("--all writes the tutorials without weights; check or run one with --model NAME")
    from lightning_port.export.exporter import ExportError, export_recipe
    from lightning_port.registry import RecipeFileError, UnknownModelError
    from lightning_port.support.checkpoint_files import CheckpointError

    try:
        if args.all:
            from lightning_port.export.examples import write_examples

            exports, refused = write_examples(args.output)
            for export in exports:
                print(f"wrote {Path(args.output) / export.recipe.name}/")
            for reason in refused.values():
                print(f"not exported: {reason}")
            return 0
        recipe = _recipe(args)
        state = _backbone_state(recipe, args.weights) if args.weights or args.check else None
        export = export_recipe(recipe, args.output, state if args.weights else None)
    except (ExportError, RecipeFileError, UnknownModelError, CheckpointError) as error:
        print(f"export.py: error: {error}", file=sys.stderr)
        return 1
    written = ", ".join([*export.files, *(["weights.ckpt"] if args.weights else [])])
    print(f"wrote {args.output}/: {written}")
    print(f"  train: cd {args.output} && python train.py" + (" --weights weights.ckpt" if args.weights else ""))
    if args.fresh_run is not None:
        from lightning_port.export.environment import fresh_run

        # The copy runs in a folder of its own: paths the user named that exist here are made absolute.
        fresh_arguments = [str(Path(item).resolve()) if not item.startswith("-") and Path(item).exists() else item for item in shlex.split(args.fresh_run)]
        completed = fresh_run(args.output, fresh_arguments)
        if completed.returncode != 0 or not args.check:
            return completed.returncode
    if not args.check:
        return 0
    from lightning_port.export.proof import prove_export

    data_dir = Path(args.data_dir or os.environ.get("LIGHTNING_PORT_DATA") or "data")
    if recipe.dataset == "arrays" and Path(recipe.data_file).is_absolute() and Path(recipe.data_file).is_file():
        data_dir = Path(recipe.data_file).parent  # a ported model's own arrays
    keras_model = _keras_model(recipe, state)
    report = prove_export(export, Path(args.output), state, data_dir if data_dir.is_dir() else None, keras_model)
    for line in report.lines():
        print(f"  {line}")
    if keras_model is None:
        print("  (c) not measured: Keras is not installed (pip install -e '.[keras]')")
    return 0 if report.passed and keras_model is not None else 1


if __name__ == "__main__":
    sys.exit(main())
