"""CIFAR-10: channels-first tensors on the device, augmented there batch by batch."""

import numpy as np
import torch

from lightning_port.augmentation import BatchAugmentation
from lightning_port.datamodules.base import TutorialDataModule


class CIFAR10DataModule(TutorialDataModule):
    dataset = "cifar10"

    def __init__(self, recipe, *args, augment: bool = True, **kwargs):
        super().__init__(recipe, *args, **kwargs)
        self.augmentation = BatchAugmentation(recipe.augmentation) if augment and recipe.augmentation else None

    def to_inputs(self, images: np.ndarray) -> torch.Tensor:
        # The loaders return Keras's channels-last (N, H, W, C); torch convolves (N, C, H, W).
        scaled = self.recipe.preprocessing.apply(images)
        return torch.from_numpy(np.ascontiguousarray(scaled.transpose(0, 3, 1, 2)))

    def on_after_batch_transfer(self, batch, dataloader_idx):
        # Only training batches are augmented, as ImageDataGenerator.flow feeds only fit().
        # (ModelSummary also sends the bare example_input_array tensor through this hook.)
        is_pair = isinstance(batch, (tuple, list)) and len(batch) == 2
        if is_pair and self.augmentation is not None and self.trainer is not None and self.trainer.training:
            images, labels = batch
            return self.augmentation(images), labels
        return batch
