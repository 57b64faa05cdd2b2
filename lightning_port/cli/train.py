"""``python scripts/train.py``: train a registered tutorial with a Lightning Trainer."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lightning_port.run import arguments
from lightning_port.run.description import DEFAULT_STEPS_PER_EXECUTION

# Set by the first process to the output directory it chose, so the processes Lightning
# starts for DDP (which re-run this script with the same arguments) use the same one.
LAUNCHED_OUTPUT_DIR_VARIABLE = "LIGHTNING_PORT_RUN_DIR"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="train.py",
        description="Train a Keras tutorial's model with PyTorch Lightning. Defaults are the tutorial's recipe.",
        epilog=arguments.recipes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    arguments.add_model_argument(parser)
    parser.add_argument("--recipe", metavar="FILE", help="train the recipe module FILE instead of a registered model (e.g. the recipe.py scripts/port.py wrote)")
    parser.add_argument("--weights", metavar="CKPT", help="start from the weights in this checkpoint (e.g. the model.ckpt scripts/port.py wrote)")
    arguments.add_device_arguments(parser)
    parser.add_argument("--num-nodes", type=arguments.positive_int, default=1, help="machines (default: 1)")
    parser.add_argument("--strategy", choices=arguments.STRATEGIES, default="auto", help="e.g. ddp for several devices")
    arguments.add_schedule_arguments(parser, batch_size_help="per device; default: the tutorial's")
    arguments.add_data_arguments(parser, resumable=True)
    parser.add_argument("--output-dir", help="default: runs/<model>/<timestamp>")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output-dir from its last checkpoint")
    parser.add_argument("--deterministic", action="store_true", help="passed to Lightning (deterministic algorithms)")
    parser.add_argument(
        "--steps-per-execution",
        type=arguments.positive_int,
        help="Keras batches per Lightning step, as in Keras compile(); updates are identical (default: %(default)s)",
        default=DEFAULT_STEPS_PER_EXECUTION,
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="run each Keras step as one torch.compile graph: faster steps after seconds of "
        "compilation (cached for later runs; docs/benchmarks.md); one device only",
    )
    parser.add_argument("--no-progress-bar", action="store_true", help="quiet output (logs, CI)")
    return parser


def _output_dir(args: argparse.Namespace) -> str:
    if args.output_dir:
        return args.output_dir
    inherited = os.environ.get(LAUNCHED_OUTPUT_DIR_VARIABLE)
    if inherited:
        return inherited
    name = Path(args.recipe).parent.name if args.recipe else (args.model or arguments.DEFAULT_MODEL)
    chosen = str(Path("runs") / name / time.strftime("%Y%m%d-%H%M%S"))
    os.environ[LAUNCHED_OUTPUT_DIR_VARIABLE] = chosen
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.resume and not args.output_dir:
        parser.error("--resume needs --output-dir (the run to continue)")

    # Imported late: argument errors should not wait for torch and Lightning to load.
    from lightning_port.data.errors import DataError
    from lightning_port.run.resolve import RunConfigError, resolve_training_run
    from lightning_port.support.checkpoint_files import CheckpointError
    from lightning_port.support.results import ResultFileError
    from lightning_port.training.compiled_step import CompileUnsupported
    from lightning_port.training.fit import TrainingInterrupted, run_training

    try:
        run = resolve_training_run(
            output_dir=_output_dir(args),
            model=args.model,
            recipe_file=args.recipe,
            initial_weights=args.weights,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            data_dir=args.data_dir,
            max_train_samples=args.max_train_samples,
            holdout=args.holdout,
            resume=args.resume,
            accelerator=args.accelerator,
            devices=args.devices,
            num_nodes=args.num_nodes,
            strategy=args.strategy,
            precision=args.precision,
            deterministic=args.deterministic,
            progress_bar=not args.no_progress_bar,
            steps_per_execution=args.steps_per_execution,
            compile=args.compile,
        )
    except RunConfigError as error:
        parser.error(str(error))
    except CheckpointError as error:
        print(f"train.py: error: {error}", file=sys.stderr)
        return 1
    try:
        result = run_training(run)
    except (DataError, ResultFileError, CompileUnsupported, CheckpointError) as error:
        print(f"train.py: error: {error}", file=sys.stderr)
        return 1
    except TrainingInterrupted as interrupted:
        print(f"\ntrain.py: {interrupted}", file=sys.stderr)
        return 130
    if result is None:
        return 0  # a DDP worker process: rank 0 reports
    test = result["test"]
    print(f"\n{result['model']}: test {_figures(test)} (split: {test['split']})")
    for name, metrics in result["evaluations"].items():
        if name != test["split"]:
            print(f"  also on {name}: {_figures(metrics)}")
    if result["world_size"] > 1:
        print(f"  per-device batch {result['per_device_batch_size']}, effective batch {result['effective_batch_size']} over {result['world_size']} processes")
    print(f"  result: {run.output_dir / 'result.json'}\n  checkpoint: {result['checkpoint']}")
    if run.recipe.reported.predictions:
        from lightning_port.training.prediction import predict_first
        from lightning_port.training.system import TutorialClassifier

        # The tutorial's last step: reload the saved weights and predict the first test images.
        reloaded = TutorialClassifier.from_checkpoint(result["checkpoint"], recipe=run.recipe)
        predicted, labels = predict_first(reloaded, run, count=len(run.recipe.reported.predictions))
        print(f"  reloaded checkpoint predicts {predicted} for the first test images; labels {labels}")
    return 0


def _figures(metrics: dict) -> str:
    """"loss 0.1070, accuracy 0.9684": the loss first, then each compiled metric."""
    return ", ".join(f"{name} {value:.4f}" for name, value in metrics.items() if name != "split")


if __name__ == "__main__":
    sys.exit(main())
