"""``train.py``: a short script that trains the exported module with a Lightning ``Trainer`` on
the listing's data (or the user's .npz) at the listing's schedule, prints the test figures and
where the checkpoint went."""

from __future__ import annotations

import json
import textwrap

from lightning_port.export.data_source import GENERATED
from lightning_port.export.naming import import_block
from lightning_port.spec import Recipe


def _wrapped_call(line: str, width: int = 120) -> list[str]:
    """``    f(a, b)`` as written, or its arguments on a line of their own when it is too long."""
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    head, arguments = line.split("(", 1)
    first, _, help_text = arguments[:-1].partition(", help=")
    lines = [f"{head}(", f"{indent}    {first},"] + ([f"{indent}    help={help_text},"] if help_text else [])
    return [*lines, f"{indent})"]


def train_source(recipe: Recipe, module_class: str, data_class: str, metric_names: tuple[str, ...], noise: bool) -> str:
    article = recipe.article
    source = f'"{article.title}" ({article.author})'
    about = textwrap.fill(f"From {source}: {recipe.description}.", 96)
    arrays = recipe.dataset == "arrays"
    generated = recipe.dataset in GENERATED  # made by data.py: no data folder
    samples = " [--train-samples N]" if recipe.train_samples is not None else ""
    usage = "python train.py --npz FILE [--epochs N] [--batch-size N] [--weights CKPT]" if arrays else (
        "python train.py [--npz FILE] [--epochs N] [--batch-size N] [--weights CKPT]" if generated else
        f"python train.py [--data-dir DIR | --npz FILE] [--epochs N]{samples} [--batch-size N] [--weights CKPT]"
    )
    folder = {"mnist": "MNIST/raw", "cifar10": "cifar-10-batches-py", "pima": "pima-indians-diabetes.csv"}.get(recipe.dataset)
    first_epochs = recipe.phases[0].epochs if noise else recipe.epochs
    arguments = []
    if arrays:
        default = f", default={json.dumps(recipe.data_file)}" if recipe.data_file else ", required=True"
        arguments.append(f'    parser.add_argument("--npz"{default}, help="the arrays: an .npz with x_train, y_train, x_test, y_test")')
    elif generated:
        arguments.append('    parser.add_argument("--npz", help="your own arrays instead: an .npz with x_train, y_train, x_test, y_test")')
    else:
        arguments += [
            (
                '    parser.add_argument("--data-dir", default=os.environ.get("LIGHTNING_PORT_DATA", "data"), help="'
                f'the folder holding {folder} (default: $LIGHTNING_PORT_DATA, else ./data)")'
            ),
            '    parser.add_argument("--npz", help="your own arrays instead: an .npz with x_train, y_train, x_test, y_test")',
        ]
    if noise:
        arguments += [
            f'    parser.add_argument("--epochs", type=int, default={first_epochs}, help="the first fit(), on clean images (default: %(default)s)")',
            f'    parser.add_argument("--denoising-epochs", type=int, default={recipe.phases[1].epochs}, help="the second fit(), on noisy copies (default: %(default)s)")',
        ]
    else:
        arguments.append(f'    parser.add_argument("--epochs", type=int, default={recipe.epochs}, help="default: %(default)s, as the listing")')
    if recipe.train_samples is not None:
        arguments.append(
            f'    parser.add_argument("--train-samples", type=int, default={recipe.train_samples}, '
            f'help="the listing trains on x_train[:{recipe.train_samples}]; 0: every training sample (default: %(default)s)")'
        )
    arguments += [
        f'    parser.add_argument("--batch-size", type=int, default={recipe.batch_size}, help="default: %(default)s, as the listing")',
        f'    parser.add_argument("--seed", type=int, default={recipe.default_seed})',
        '    parser.add_argument("--weights", help="start from the weights of this checkpoint (e.g. weights.ckpt)")',
        '    parser.add_argument("--accelerator", default="auto", help="cpu, gpu, ... (default: %(default)s)")',
    ]
    arguments = [line for argument in arguments for line in _wrapped_call(argument)]
    data_arguments = "args.npz, args.batch_size" if arrays else "args.batch_size, npz=args.npz" if generated else "args.data_dir, args.batch_size, npz=args.npz"
    if recipe.train_samples is not None:
        data_arguments += ", train_samples=args.train_samples"
    if noise:
        data_arguments += ", noisy_from_epoch=args.epochs"
        trainer = [
            "    # The listing calls fit() twice on one compiled model, so the optimizer's state carries over:",
            "    # one Trainer runs both, the data module serving noisy images from the second fit's first epoch.",
            "    epochs = args.epochs + args.denoising_epochs",
            "    trainer = L.Trainer(max_epochs=epochs, accelerator=args.accelerator, reload_dataloaders_every_n_epochs=1)",
        ]
    else:
        trainer = ["    trainer = L.Trainer(max_epochs=args.epochs, accelerator=args.accelerator)"]
    scored = "on the training data: loss" if recipe.evaluate_on == "train" else "test loss"
    figures = f"{scored} {{results['test_loss']:.4f}}"
    for name in metric_names:
        figures += f", {name} {{results['test_{name}']:{'.2%' if name in ('accuracy', 'acc') else '.4f'}}}"
    lines = [
        f'"""Train {recipe.name} with the Keras listing\'s recipe, then print its test figures.',
        "",
        about,
        "",
        f"    {usage}",
        '"""',
        "",
        import_block({"import argparse", "import sys", "import lightning as L", f"from data import DataError, {data_class}", f"from module import {module_class}", *([] if arrays or generated else ["import os"])}),
        "",
        "",
        "def main():",
        f'    parser = argparse.ArgumentParser(description="Train {recipe.name} with the Keras listing\'s recipe.")',
        *arguments,
        "    args = parser.parse_args()",
        "",
        "    L.seed_everything(args.seed)",
        f"    data = {data_class}({data_arguments})",
        f"    model = {module_class}.load_from_checkpoint(args.weights) if args.weights else {module_class}()",
        *trainer,
        "    trainer.fit(model, datamodule=data)",
        "    results = trainer.test(model, datamodule=data)[0]",
        f'    print(f"{figures}")',
        "    if trainer.checkpoint_callback.best_model_path:  # written after each epoch",
        '        print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")',
        "",
        "",
        'if __name__ == "__main__":',
        "    try:",
        "        main()",
        "    except DataError as error:",
        '        sys.exit(f"train.py: error: {error}")',
    ]
    return "\n".join(lines) + "\n"
