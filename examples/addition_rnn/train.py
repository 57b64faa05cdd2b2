"""Train addition_rnn with the Keras listing's recipe, then print its test figures.

From "Sequence to sequence learning for performing number addition" (Smerity and others (keras-
io examples)): adding numbers of up to 3 digits written as strings ('535+61' -> '596'): LSTM
128, RepeatVector 4, LSTM 128 (sequences), softmax Dense 12 per step; Adam, 29 epochs of batch
32.

    python train.py [--npz FILE] [--epochs N] [--batch-size N] [--weights CKPT]
"""

import argparse
import sys

import lightning as L

from data import AdditionDataModule, DataError
from module import LitAdditionRnn


def main():
    parser = argparse.ArgumentParser(description="Train addition_rnn with the Keras listing's recipe.")
    parser.add_argument("--npz", help="your own arrays instead: an .npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--epochs", type=int, default=29, help="default: %(default)s, as the listing")
    parser.add_argument("--batch-size", type=int, default=32, help="default: %(default)s, as the listing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", help="start from the weights of this checkpoint (e.g. weights.ckpt)")
    parser.add_argument("--accelerator", default="auto", help="cpu, gpu, ... (default: %(default)s)")
    args = parser.parse_args()

    L.seed_everything(args.seed)
    data = AdditionDataModule(args.batch_size, npz=args.npz)
    model = LitAdditionRnn.load_from_checkpoint(args.weights) if args.weights else LitAdditionRnn()
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
