"""Train functional_resnet with the Keras listing's recipe, then print its test figures.

From "The Functional API" (fchollet (Keras guides)): CIFAR-10, the Functional API guide's toy
ResNet (two residual blocks); RMSprop(1e-3), batch 64.

    python train.py [--data-dir DIR | --npz FILE] [--epochs N] [--train-samples N] [--batch-size N] [--weights CKPT]
"""

import argparse
import os
import sys

import lightning as L

from data import CIFAR10DataModule, DataError
from module import LitToyResnet


def main():
    parser = argparse.ArgumentParser(description="Train functional_resnet with the Keras listing's recipe.")
    parser.add_argument(
        "--data-dir", default=os.environ.get("LIGHTNING_PORT_DATA", "data"),
        help="the folder holding cifar-10-batches-py (default: $LIGHTNING_PORT_DATA, else ./data)",
    )
    parser.add_argument("--npz", help="your own arrays instead: an .npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--epochs", type=int, default=1, help="default: %(default)s, as the listing")
    parser.add_argument(
        "--train-samples", type=int, default=1000,
        help="the listing trains on x_train[:1000]; 0: every training sample (default: %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="default: %(default)s, as the listing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", help="start from the weights of this checkpoint (e.g. weights.ckpt)")
    parser.add_argument("--accelerator", default="auto", help="cpu, gpu, ... (default: %(default)s)")
    args = parser.parse_args()

    L.seed_everything(args.seed)
    data = CIFAR10DataModule(args.data_dir, args.batch_size, npz=args.npz, train_samples=args.train_samples)
    model = LitToyResnet.load_from_checkpoint(args.weights) if args.weights else LitToyResnet()
    trainer = L.Trainer(max_epochs=args.epochs, accelerator=args.accelerator)
    trainer.fit(model, datamodule=data)
    results = trainer.test(model, datamodule=data)[0]
    print(f"test loss {results['test_loss']:.4f}, acc {results['test_acc']:.2%}")
    if trainer.checkpoint_callback.best_model_path:  # written after each epoch
        print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")


if __name__ == "__main__":
    try:
        main()
    except DataError as error:
        sys.exit(f"train.py: error: {error}")
