"""``python scripts/predict.py``: reload a checkpoint and predict the first test samples."""

from __future__ import annotations

import argparse
import sys

from lightning_port.run import arguments
from lightning_port.registry import model_names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="predict.py",
        description="Reload a trained model and print predicted vs true labels for the first test samples.",
    )
    parser.add_argument("--checkpoint", required=True, help="a .ckpt from scripts/train.py or scripts/import_keras.py")
    parser.add_argument("--count", type=arguments.positive_int, default=5, help="how many samples (default: 5)")
    parser.add_argument("--model", choices=model_names(), metavar="NAME", help="fail unless the checkpoint is of this model")
    parser.add_argument("--data-dir", help="data root (default: $LIGHTNING_PORT_DATA, else ./data)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from lightning_port.data.errors import DataError
    from lightning_port.registry import get_recipe
    from lightning_port.run.resolve import resolve_definition
    from lightning_port.run.description import RunDefinition
    from lightning_port.support.checkpoint_files import CheckpointError
    from lightning_port.data.datasets import DATASETS
    from lightning_port.training.prediction import decoded_first, losses_of_first, predict_first
    from lightning_port.training.system import TutorialClassifier

    try:
        # The checkpoint names its recipe; --model only asserts which one it must be.
        system = TutorialClassifier.from_checkpoint(args.checkpoint, recipe=get_recipe(args.model) if args.model else None)
        run = RunDefinition(**resolve_definition(system.recipe, data_dir=args.data_dir))
        dataset = DATASETS.get(system.recipe.dataset)
        if dataset is not None and dataset.decode is not None:
            # Samples a person reads as text (the addition listing's questions): printed as it prints them.
            rows = decoded_first(system, run, dataset.decode, count=args.count)
            for question, answer, guess in rows:
                print(f"Q {question} T {answer} {'☑' if guess == answer else '☒'} {guess}")
            print(f"{sum(guess == answer for _, answer, guess in rows)} of {len(rows)} answered exactly")
            return 0
        if system.recipe.evidence.outcome_metric == "loss" or len(system.recipe.output_names) > 1:
            losses = losses_of_first(system, run, count=args.count)
        else:
            predicted, labels = predict_first(system, run, count=args.count)
    except (CheckpointError, DataError) as error:
        print(f"predict.py: error: {error}", file=sys.stderr)
        return 1
    if system.recipe.evidence.outcome_metric == "loss" or len(system.recipe.output_names) > 1:
        print(f"loss of each of the first {len(losses)} samples ({system.recipe.loss if isinstance(system.recipe.loss, str) else 'the compiled loss'}): " + ", ".join(f"{value:.4f}" for value in losses))
        return 0
    print(f"predicted: {predicted}")
    print(f"true:      {labels}")
    hits = sum(p == t for p, t in zip(predicted, labels))
    print(f"{hits} of {len(labels)} correct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
