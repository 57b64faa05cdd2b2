"""Train mnist_mlp_rmsprop with the Keras listing's recipe, then print its test figures.

From "Keras：2.2搭建分类神经网络 Classifier" (u012052268 (CSDN blog)): MNIST, 784-32-10 MLP with separate
Activation layers, RMSprop, 2 epochs of batch 32.

    python train.py [--data-dir DIR | --npz FILE] [--epochs N] [--batch-size N] [--weights CKPT]
"""

import argparse
import os
import sys

import lightning as L

from data import DataError, MNISTDataModule
from module import LitMnistMlpRmsprop


def main():
    parser = argparse.ArgumentParser(description="Train mnist_mlp_rmsprop with the Keras listing's recipe.")
    parser.add_argument(
        "--data-dir", default=os.environ.get("LIGHTNING_PORT_DATA", "data"),
        help="the folder holding MNIST/raw (default: $LIGHTNING_PORT_DATA, else ./data)",
    )
    parser.add_argument("--npz", help="your own arrays instead: an .npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--epochs", type=int, default=2, help="default: %(default)s, as the listing")
    parser.add_argument("--batch-size", type=int, default=32, help="default: %(default)s, as the listing")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--weights", help="start from the weights of this checkpoint (e.g. weights.ckpt)")
    parser.add_argument("--accelerator", default="auto", help="cpu, gpu, ... (default: %(default)s)")
    args = parser.parse_args()

    L.seed_everything(args.seed)
    data = MNISTDataModule(args.data_dir, args.batch_size, npz=args.npz)
    model = LitMnistMlpRmsprop.load_from_checkpoint(args.weights) if args.weights else LitMnistMlpRmsprop()
    trainer = L.Trainer(max_epochs=args.epochs, accelerator=args.accelerator)
    trainer.fit(model, datamodule=data)
    results = trainer.test(model, datamodule=data)[0]
    print(f"test loss {results['test_loss']:.4f}, accuracy {results['test_accuracy']:.2%}")
    if trainer.checkpoint_callback.best_model_path:  # written after each epoch
        print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")


if __name__ == "__main__":
    try:
        main()
    except DataError as error:
        sys.exit(f"train.py: error: {error}")
