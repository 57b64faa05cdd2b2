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
from lightning_port.keras_compat.losses import as_class_indices, targets_are_class_indices
from lightning_port.run.description import RunDefinition
from lightning_port.data.structure import length, rows
from lightning_port.spec import Recipe, ValidationOnTest
from lightning_port.support.checkpoint_files import DATA_DIGEST_KEY
from lightning_port.support.seeds import Stream, stream_seed


def to_inputs(recipe: Recipe, features) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Preprocessed model inputs, in the recipe's input shapes (Keras's layout); a tuple for
    several inputs."""
    if isinstance(features, tuple):
        return tuple(torch.from_numpy(np.ascontiguousarray(recipe.preprocessing.apply(item, shape))) for item, shape in zip(features, recipe.input_shapes))
    return torch.from_numpy(np.ascontiguousarray(recipe.preprocessing.apply(features, recipe.input_shapes[0])))


def class_indices(recipe: Recipe, labels: np.ndarray) -> np.ndarray:
    """Labels as class indices: one-hot rows (what Keras's categorical crossentropy is fit on)
    become their argmax, a trailing axis of one is dropped."""
    return as_class_indices(labels, recipe.output_units)


def to_targets(recipe: Recipe, labels) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """Per output: class indices for a categorical loss, float values (0/1 labels, regression
    targets) otherwise; the preprocessed inputs for a model fit on its inputs (fit(x, x))."""
    if recipe.targets == "inputs":
        return to_inputs(recipe, labels)

    def convert(values, loss, units):
        if targets_are_class_indices(loss):
            return torch.from_numpy(as_class_indices(values, units))
        return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))

    outputs = list(zip(recipe.output_losses, (shape[-1] for shape in recipe.output_shapes)))
    if isinstance(labels, tuple):
        return tuple(convert(values, loss, units) for values, (loss, units) in zip(labels, outputs))
    return convert(labels, *outputs[0])


def _on(device, value):
    return tuple(item.to(device) for item in value) if isinstance(value, tuple) else value.to(device)


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
        self.train_tensors: tuple | None = None
        self.validation_tensors: tuple | None = None
        self.evaluation_tensors: dict[str, tuple] = {}
        # A listing that fits in phases with input noise: the noisy inputs of each such phase.
        self.noisy_train_inputs: dict[int, torch.Tensor] = {}
        self.noisy_validation_inputs: dict[int, torch.Tensor] = {}
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
            return _on(device, to_inputs(self.recipe, arrays[0])), _on(device, to_targets(self.recipe, arrays[1]))

        if self.raw.train is not None:
            self.train_tensors = place(self.raw.train)
        self.validation_tensors = place(self.raw.validation) if self.raw.validation is not None else None
        self.evaluation_tensors = {name: place(arrays) for name, arrays in self.raw.evaluations.items()}
        self._place_noisy_inputs(device)

    def _place_noisy_inputs(self, device) -> None:
        """The noisy phases' inputs (data/noise.py), the same bytes the Keras reference gets;
        the test split scored at the end gets the last phase's (as the listing predicts on
        noisy_test_data after its denoising fit)."""
        validation_split = "test" if isinstance(self.recipe.validation, ValidationOnTest) else "validation"
        for index, phase in enumerate(self.recipe.phases):
            if phase.input_noise is None:
                continue

            def noisy(tensors, split):
                return torch.from_numpy(self.raw.add_noise(tensors[0].cpu().numpy(), split, index).astype(np.float32)).to(device)

            if self.train_tensors is not None:
                self.noisy_train_inputs[index] = noisy(self.train_tensors, "train")
            if self.validation_tensors is not None:
                self.noisy_validation_inputs[index] = noisy(self.validation_tensors, validation_split)
        last = len(self.recipe.phases) - 1
        if self.recipe.phases and self.recipe.phases[-1].input_noise is not None:
            self.evaluation_tensors = {
                name: (torch.from_numpy(self.raw.add_noise(inputs.cpu().numpy(), name, last).astype(np.float32)).to(device), targets)
                for name, (inputs, targets) in self.evaluation_tensors.items()
            }

    def _phase_index(self, epoch: int) -> int | None:
        phase = self.recipe.phase_of_epoch(epoch, self.run.epochs)
        return None if phase is None else self.recipe.phases.index(phase)

    def _training_tensors(self, epoch: int) -> tuple:
        index = self._phase_index(epoch)
        if index in self.noisy_train_inputs:
            return self.noisy_train_inputs[index], self.train_tensors[1]
        return self.train_tensors

    def _validation_tensors(self, epoch: int) -> tuple:
        index = self._phase_index(epoch)
        if index in self.noisy_validation_inputs:
            return self.noisy_validation_inputs[index], self.validation_tensors[1]
        return self.validation_tensors

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
            self._training_tensors if self.recipe.phases else self.train_tensors,
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
        tensors = self._validation_tensors if self.recipe.phases else self.validation_tensors
        return InMemoryBatches(tensors, self.batch_size, shuffle=False, epoch=self._current_epoch, **self._shard())

    def test_dataloader(self) -> list[InMemoryBatches]:
        batch_size = defaults.EVALUATE_BATCH_SIZE_KERAS_DEFAULT
        return [InMemoryBatches(tensors, batch_size, shuffle=False, **self._shard()) for tensors in self.evaluation_tensors.values()]

    def predict_dataloader(self) -> InMemoryBatches:
        inputs, targets = self.evaluation_tensors[self.raw.test_split]
        count = min(self.predict_count, length(inputs))
        return InMemoryBatches((rows(inputs, slice(0, count)), rows(targets, slice(0, count))), count, shuffle=False)

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        # Batches are slices of tensors that setup() already placed on the device.
        tensors = [item for part in batch for item in (part if isinstance(part, tuple) else (part,))] if isinstance(batch, (tuple, list)) else [batch]
        if all(isinstance(tensor, torch.Tensor) and tensor.device == device for tensor in tensors):
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
