"""MNIST: 60,000 training and 10,000 test digits, flattened or not as the recipe says."""

from lightning_port.datamodules.base import TutorialDataModule


class MNISTDataModule(TutorialDataModule):
    dataset = "mnist"
