"""Train mnist_autoencoder with the Keras listing's recipe, then print its test figures.

From "Convolutional autoencoder for image denoising" (Santiago L. Valdarrama (keras-io
examples)): MNIST reconstruction then denoising, a convolutional autoencoder
(Conv2D/MaxPooling2D, Conv2DTranspose); Adam, binary crossentropy, batch 128.

    python train.py [--data-dir DIR | --npz FILE] [--epochs N] [--batch-size N] [--weights CKPT]
"""

import argparse
import os
import sys

import lightning as L

from data import DataError, MNISTDataModule
from module import LitMnistAutoencoder


def main():
    parser = argparse.ArgumentParser(description="Train mnist_autoencoder with the Keras listing's recipe.")
    parser.add_argument(
        "--data-dir", default=os.environ.get("LIGHTNING_PORT_DATA", "data"),
        help="the folder holding MNIST/raw (default: $LIGHTNING_PORT_DATA, else ./data)",
    )
    parser.add_argument("--npz", help="your own arrays instead: an .npz with x_train, y_train, x_test, y_test")
    parser.add_argument(
        "--epochs", type=int, default=50,
        help="the first fit(), on clean images (default: %(default)s)",
    )
    parser.add_argument(
        "--denoising-epochs", type=int, default=100,
        help="the second fit(), on noisy copies (default: %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=128, help="default: %(default)s, as the listing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", help="start from the weights of this checkpoint (e.g. weights.ckpt)")
    parser.add_argument("--accelerator", default="auto", help="cpu, gpu, ... (default: %(default)s)")
    args = parser.parse_args()

    L.seed_everything(args.seed)
    data = MNISTDataModule(args.data_dir, args.batch_size, npz=args.npz, noisy_from_epoch=args.epochs)
    model = LitMnistAutoencoder.load_from_checkpoint(args.weights) if args.weights else LitMnistAutoencoder()
    # The listing calls fit() twice on one compiled model, so the optimizer's state carries over:
    # one Trainer runs both, the data module serving noisy images from the second fit's first epoch.
    epochs = args.epochs + args.denoising_epochs
    trainer = L.Trainer(max_epochs=epochs, accelerator=args.accelerator, reload_dataloaders_every_n_epochs=1)
    trainer.fit(model, datamodule=data)
    results = trainer.test(model, datamodule=data)[0]
    print(f"test loss {results['test_loss']:.4f}")
    if trainer.checkpoint_callback.best_model_path:  # written after each epoch
        print(f"checkpoint: {trainer.checkpoint_callback.best_model_path}")


if __name__ == "__main__":
    try:
        main()
    except DataError as error:
        sys.exit(f"train.py: error: {error}")
