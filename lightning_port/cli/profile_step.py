"""``python scripts/profile_step.py``: where a training step's time goes (data, augmentation,
forward, backward, optimizer, Lightning), in the port and in the floor, eager and compiled
(evidence/benchmarking/step_profile.py); written as JSON beside the benchmark's and drawn
in docs/benchmarks.md."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lightning_port.registry import model_names
from lightning_port.run import arguments

DEFAULT_STEPS = 96  # three executions of 32 steps: the compiled block's steady state, measured in epoch 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="profile_step.py", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", choices=model_names(), default="cifar_cnn", metavar="NAME", help="the recipe to profile (default: %(default)s)")
    source.add_argument("--recipe", metavar="FILE", help="a recipe module outside the registry (one scripts/port.py wrote, or a test's)")
    parser.add_argument("--steps", type=arguments.positive_int, default=DEFAULT_STEPS, help="training steps an epoch; two epochs, the second measured (default: %(default)s)")
    parser.add_argument("--accelerator", choices=("cpu", "gpu"), default="cpu")
    arguments.add_data_arguments(parser)
    parser.add_argument("--output", help="profile JSON (default: docs/benchmarks/profiles/<model>-<accelerator>.json)")
    parser.add_argument("--markdown", help="page to rewrite from the JSON files (default: docs/benchmarks.md)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.holdout is not None or args.max_train_samples is not None:
        parser.error("--steps sets the subset a profile trains on; --max-train-samples and --holdout do not apply")
    from lightning_port.cli.benchmark import write_page
    from lightning_port.evidence.benchmarking.runner import environment
    from lightning_port.evidence.benchmarking.step_profile import profile
    from lightning_port.registry import RecipeFileError, get_recipe, recipe_from_file
    from lightning_port.run.description import RunDefinition
    from lightning_port.run.resolve import resolve_definition
    from lightning_port.support.atomic import atomic_write_json
    from lightning_port.support.provenance import stamp

    try:
        recipe = recipe_from_file(args.recipe) if args.recipe else get_recipe(args.model)
    except RecipeFileError as error:
        parser.error(str(error))
    samples = args.steps * recipe.batch_size
    run = RunDefinition(**resolve_definition(recipe, epochs=2, data_dir=args.data_dir, max_train_samples=samples))
    started = time.monotonic()
    configurations = profile(run, args.accelerator, progress=lambda text: print(f"profile: {text}", file=sys.stderr, flush=True))
    report = {
        **stamp(),
        "kind": "step_profile",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "model": recipe.name,
        "command": f"python scripts/profile_step.py {'--recipe ' + args.recipe if args.recipe else '--model ' + recipe.name} --steps {args.steps}",
        "batch_size": recipe.batch_size,
        "train_samples": samples,
        "environment": environment({"accelerator": args.accelerator}),
        "seconds": time.monotonic() - started,
        "configurations": configurations,
    }
    output = Path(args.output or Path("docs") / "benchmarks" / "profiles" / f"{recipe.name}-{args.accelerator}.json")
    atomic_write_json(output, report)
    benchmarks = output.parent.parent if output.parent.name == "profiles" else output.parent
    code = write_page(benchmarks, Path(args.markdown or Path("docs") / "benchmarks.md"))
    from lightning_port.evidence.benchmarking.render import profile_text_table

    print(profile_text_table(report))
    print(f"\nJSON: {output}")
    return code


if __name__ == "__main__":
    sys.exit(main())
