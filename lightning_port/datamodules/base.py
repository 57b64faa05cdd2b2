"""The shared LightningDataModule: raw arrays -> recipe preprocessing -> tensors on the device."""

from __future__ import annotations

import lightning as L
import numpy as np
import torch

from lightning_port import keras_defaults
from lightning_port.data import RawSplits, load_raw_splits, resolve_data_root
from lightning_port.datamodules.batches import InMemoryBatches
from lightning_port.recipes.spec import Recipe


class TutorialDataModule(L.LightningDataModule):
    """Serves a recipe's data set from in-memory tensors placed on the model's device.

    Subclasses (one per data set) add what is particular to it: image layout, augmentation,
    hold-out options.
    """

    dataset: str = ""

    def __init__(
        self,
        recipe: Recipe,
        data_dir=None,
        batch_size: int | None = None,
        seed: int | None = None,
        max_train_samples: int | None = None,
        holdout_fraction: float | None = None,
        steps_per_execution: int = 1,
    ):
        """``steps_per_execution``: Keras batches served per training "batch" (see
        ``TutorialClassifier``); the order of samples does not depend on it."""
        super().__init__()
        if recipe.dataset != self.dataset:
            raise ValueError(f"{type(self).__name__} serves {self.dataset}, not {recipe.name}'s {recipe.dataset}")
        self.recipe = recipe
        self.data_root = resolve_data_root(data_dir)
        self.batch_size = batch_size or recipe.batch_size
        self.seed = recipe.default_seed if seed is None else seed
        self.max_train_samples = max_train_samples
        self.holdout_fraction = holdout_fraction
        if steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be at least 1, got {steps_per_execution}")
        self.steps_per_execution = steps_per_execution
        self.raw: RawSplits | None = None
        self.train_tensors: tuple[torch.Tensor, torch.Tensor] | None = None
        self.validation_tensors: tuple[torch.Tensor, torch.Tensor] | None = None
        self.evaluation_tensors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    # ---- conversions (overridden per data set where the layout differs) ----
    def to_inputs(self, features: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(self.recipe.preprocessing.apply(features))

    def to_targets(self, labels: np.ndarray) -> torch.Tensor:
        if self.recipe.loss == "binary_crossentropy":
            return torch.from_numpy(labels.astype(np.float32))
        return torch.from_numpy(labels.astype(np.int64))

    # ---- Lightning hooks ----
    def prepare_data(self) -> None:
        # Runs on one process per node: downloads (if needed) happen once, not per rank.
        load_raw_splits(self.recipe, self.data_root, self.max_train_samples, self.holdout_fraction)

    def setup(self, stage: str | None = None) -> None:
        if self.raw is not None:
            return
        self.raw = load_raw_splits(self.recipe, self.data_root, self.max_train_samples, self.holdout_fraction)
        device = self.trainer.strategy.root_device if self.trainer is not None else torch.device("cpu")

        def place(arrays):
            return self.to_inputs(arrays[0]).to(device), self.to_targets(arrays[1]).to(device)

        self.train_tensors = place(self.raw.train)
        self.validation_tensors = place(self.raw.validation) if self.raw.validation is not None else None
        self.evaluation_tensors = {name: place(arrays) for name, arrays in self.raw.evaluations.items()}

    @property
    def evaluation_names(self) -> list[str]:
        return list(self.evaluation_tensors)

    def _shard(self) -> dict:
        if self.trainer is None:
            return {"rank": 0, "world_size": 1}
        return {"rank": self.trainer.global_rank, "world_size": self.trainer.world_size}

    def _current_epoch(self) -> int:
        return self.trainer.current_epoch if self.trainer is not None else 0

    def train_dataloader(self) -> InMemoryBatches:
        return InMemoryBatches(
            self.train_tensors,
            self.batch_size * self.steps_per_execution,
            shuffle=keras_defaults.FIT_SHUFFLE_KERAS_DEFAULT,
            seed=self.seed,
            epoch=self._current_epoch,
            pad_shards=True,
            **self._shard(),
        )

    def val_dataloader(self):
        if self.validation_tensors is None:
            return []
        # fit(validation_batch_size=None) validates in batches of the training batch size.
        return InMemoryBatches(self.validation_tensors, self.batch_size, shuffle=False, **self._shard())

    def test_dataloader(self) -> list[InMemoryBatches]:
        batch_size = keras_defaults.EVALUATE_BATCH_SIZE_KERAS_DEFAULT
        return [InMemoryBatches(tensors, batch_size, shuffle=False, **self._shard()) for tensors in self.evaluation_tensors.values()]

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        # Batches are slices of tensors that setup() already placed on the device.
        if all(tensor.device == device for tensor in batch):
            return batch
        return super().transfer_batch_to_device(batch, device, dataloader_idx)
