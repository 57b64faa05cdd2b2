"""One LightningDataModule per data set, all serving in-memory tensors from the device."""

from lightning_port.datamodules.base import TutorialDataModule
from lightning_port.datamodules.cifar10 import CIFAR10DataModule
from lightning_port.datamodules.mnist import MNISTDataModule
from lightning_port.datamodules.pima import PimaDataModule
from lightning_port.recipes.spec import Recipe

_BY_DATASET = {module.dataset: module for module in (MNISTDataModule, CIFAR10DataModule, PimaDataModule)}


def datamodule_for(recipe: Recipe, **options) -> TutorialDataModule:
    return _BY_DATASET[recipe.dataset](recipe, **options)


__all__ = ["CIFAR10DataModule", "MNISTDataModule", "PimaDataModule", "TutorialDataModule", "datamodule_for"]
