"""The one LightningDataModule: a run's data set -> recipe preprocessing -> tensors on the device.

Every data set goes through the same path, in Keras's tensor layout (images channels
last: the backbone computes on it, see models/layers.py); what differs comes from the
recipe: a recipe with augmentation augments its training batches on the device, a recipe
with a validation split validates after every epoch.
"""

from __future__ import annotations

import lightning as L
import numpy as np
import torch

from lightning_port.data import DataError, RawSplits, load_raw_splits
from lightning_port.data.batches import InMemoryBatches
from lightning_port.keras_compat import defaults
from lightning_port.keras_compat.augmentation import BatchAugmentation
from lightning_port.run.description import RunDefinition
from lightning_port.spec import Recipe
from lightning_port.support.checkpoint_files import DATA_DIGEST_KEY
from lightning_port.support.seeds import Stream, stream_seed


def to_inputs(recipe: Recipe, features: np.ndarray) -> torch.Tensor:
    """Preprocessed model inputs, in the recipe's input shape (Keras's layout)."""
    return torch.from_numpy(np.ascontiguousarray(recipe.preprocessing.apply(features, recipe.input_shape)))


def class_indices(recipe: Recipe, labels: np.ndarray) -> np.ndarray:
    """Labels as class indices: one-hot rows (what Keras's categorical crossentropy is fit on)
    become their argmax, a trailing axis of one is dropped."""
    labels = np.asarray(labels)
    if labels.ndim > 1 and labels.shape[-1] == recipe.output_units > 1:
        labels = labels.argmax(axis=-1)
    elif labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    return labels.astype(np.int64)


def to_targets(recipe: Recipe, labels: np.ndarray) -> torch.Tensor:
    """Class indices for a categorical loss; float values (0/1 labels, regression targets) otherwise."""
    if recipe.targets_are_class_indices:
        return torch.from_numpy(class_indices(recipe, labels))
    return torch.from_numpy(np.ascontiguousarray(labels, dtype=np.float32))


class TutorialDataModule(L.LightningDataModule):
    """Serves a run's data set from in-memory tensors placed on the model's device.

    ``steps_per_execution``: Keras batches served per training "batch" (see
    ``TutorialClassifier``); the order of samples does not depend on it. ``predict_count``:
    ``predict_dataloader`` serves the first that many samples of the scored split, and
    ``setup("predict")`` loads only that split.
    """

    def __init__(self, run: RunDefinition, steps_per_execution: int = 1, augment: bool = True, predict_count: int = 5):
        super().__init__()
        if steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be at least 1, got {steps_per_execution}")
        self.run = run
        self.recipe = run.recipe
        self.batch_size = run.batch_size
        self.steps_per_execution = steps_per_execution
        self.predict_count = predict_count
        self.augmentation = BatchAugmentation(self.recipe.augmentation) if augment and self.recipe.augmentation else None
        self.raw: RawSplits | None = None
        self.train_tensors: tuple[torch.Tensor, torch.Tensor] | None = None
        self.validation_tensors: tuple[torch.Tensor, torch.Tensor] | None = None
        self.evaluation_tensors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        self._generator: torch.Generator | None = None
        self._generator_key: tuple | None = None
        self._digest: tuple[RawSplits, str] | None = None  # (the raw splits it was computed from, digest)

    def _load(self, evaluation_only: bool = False) -> RawSplits:
        run = self.run
        return load_raw_splits(run.recipe, run.data_root, run.max_train_samples, run.holdout, evaluation_only=evaluation_only)

    # ---- Lightning hooks ----
    def prepare_data(self) -> None:
        # Runs on one process per node: downloads (if needed) happen once, not per rank.
        self._load()

    def setup(self, stage: str | None = None) -> None:
        if self.raw is not None and (self.raw.train is not None or stage == "predict"):
            return
        self.raw = self._load(evaluation_only=stage == "predict")
        device = self.trainer.strategy.root_device if self.trainer is not None else torch.device("cpu")

        def place(arrays):
            return to_inputs(self.recipe, arrays[0]).to(device), to_targets(self.recipe, arrays[1]).to(device)

        if self.raw.train is not None:
            self.train_tensors = place(self.raw.train)
        self.validation_tensors = place(self.raw.validation) if self.raw.validation is not None else None
        self.evaluation_tensors = {name: place(arrays) for name, arrays in self.raw.evaluations.items()}

    # ---- checkpoint state: the data's digest, checked when a run resumes ----
    def state_dict(self) -> dict:
        return {DATA_DIGEST_KEY: self._data_digest()} if self.raw is not None and self.raw.train is not None else {}

    def load_state_dict(self, state: dict) -> None:
        # Called by Trainer.fit(ckpt_path=...) after setup(): the data are loaded by now.
        stored = state.get(DATA_DIGEST_KEY)
        if stored and self.raw is not None and self.raw.train is not None and stored != self._data_digest():
            raise DataError(
                f"{self.run.data_root}: these {self.recipe.dataset} data are not the ones this run was trained on "
                "(the SHA-256 of the arrays differs from the one in its checkpoint); resume with --data-dir pointing "
                "at the original data set, or start a new run in another --output-dir"
            )

    def _data_digest(self) -> str:
        if self._digest is None or self._digest[0] is not self.raw:
            self._digest = (self.raw, self.raw.digest())
        return self._digest[1]

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
            shuffle=defaults.FIT_SHUFFLE_KERAS_DEFAULT,
            seed=self.run.seed,
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
        batch_size = defaults.EVALUATE_BATCH_SIZE_KERAS_DEFAULT
        return [InMemoryBatches(tensors, batch_size, shuffle=False, **self._shard()) for tensors in self.evaluation_tensors.values()]

    def predict_dataloader(self) -> InMemoryBatches:
        inputs, targets = self.evaluation_tensors[self.raw.test_split]
        count = min(self.predict_count, len(inputs))
        return InMemoryBatches((inputs[:count], targets[:count]), count, shuffle=False)

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        # Batches are slices of tensors that setup() already placed on the device.
        if all(tensor.device == device for tensor in batch):
            return batch
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    def on_after_batch_transfer(self, batch, dataloader_idx):
        # Only training batches are augmented, as ImageDataGenerator.flow feeds only fit().
        # (ModelSummary also sends the bare example_input_array tensor through this hook.)
        is_pair = isinstance(batch, (tuple, list)) and len(batch) == 2
        if is_pair and self.augmentation is not None and self.trainer is not None and self.trainer.training:
            images, labels = batch
            generator = self._augmentation_generator(images.device)
            # One draw per Keras batch, in order, from a stream of its own: an execution of K
            # batches is augmented exactly as K separate steps would be, and dropout (torch's
            # global generator) draws the same masks either way.
            pieces = [self.augmentation(piece, generator) for piece in images.split(self.batch_size)]
            return (pieces[0] if len(pieces) == 1 else torch.cat(pieces)), labels
        return batch

    def _augmentation_generator(self, device: torch.device) -> torch.Generator:
        """The augmentation stream of this epoch and rank (``support.seeds``)."""
        key = (self.trainer.current_epoch, self.trainer.global_rank, str(device))
        if self._generator_key != key:
            seed = stream_seed(self.run.seed, Stream.AUGMENTATION, self.trainer.current_epoch, self.trainer.global_rank)
            self._generator = torch.Generator(device=device).manual_seed(seed)
            self._generator_key = key
        return self._generator
