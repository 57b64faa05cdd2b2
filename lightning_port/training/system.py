"""The LightningModule: a recipe's backbone plus Keras's loss, metrics and optimizer.

Canonical Lightning: ``training_step`` returns the loss and Lightning's automatic
optimization takes one optimizer step per Keras batch, with every callback hook, gradient
clipping, accumulation, ``max_steps`` and step-based checkpoints meaning what they mean in
any Lightning project. Epoch metrics are torchmetrics (``keras_compat.metrics``), logged at
the end of each stage's epoch, as Keras's ``fit`` reports them.

The opt-in speed modes (``--steps-per-execution``, ``--compile``) are a subclass beside this
one (``training/speed_mode_module.py``); loading a trained checkpoint is
``training/restore.py``.
"""

from __future__ import annotations

import time

import lightning as L
import torch
from torch import nn

from lightning_port.keras_compat.losses import ModelLoss, loss_function, predicted_classes
from lightning_port.keras_compat.metrics import KerasEpochMetrics, canonical_name
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.models import build_backbone
from lightning_port.models.legacy import upgrade_state_dict
from lightning_port.spec import Recipe


class TutorialClassifier(L.LightningModule):
    """Trains a recipe the way the Keras tutorial's ``fit`` does."""

    def __init__(self, recipe: Recipe, batch_size: int | None = None):
        super().__init__()
        # Plain values only: a checkpoint must load with torch.load(weights_only=True).
        self.save_hyperparameters({"model": recipe.name, "batch_size": batch_size or recipe.batch_size})
        self.recipe = recipe
        self.batch_size = batch_size or recipe.batch_size
        self.backbone = build_backbone(recipe)
        self.loss = loss_function(recipe)
        examples = tuple(torch.zeros(2, *shape) for shape in self.backbone.graph.stand_in_input_shapes())
        # Lightning calls forward(*example) for a tuple: several inputs go in as one tuple argument.
        self.example_input_array = examples[0] if len(examples) == 1 else (examples,)
        self.train_metrics = KerasEpochMetrics(self.loss, recipe)
        self.validation_metrics = KerasEpochMetrics(self.loss, recipe)
        self.test_metrics = nn.ModuleList()  # one per evaluated split, made when testing starts
        self.history: list[dict] = []  # one row per finished epoch; saved in checkpoints
        self.evaluation_names: list[str] = ["test"]  # set by the trainer from the datamodule
        self.evaluation_results: dict[str, dict[str, float]] = {}
        self._last_validation: dict[str, float] = {}
        self._epoch_started = 0.0
        self.recipe_file: str | None = None  # set for a recipe module outside the registry

    @property
    def model_name(self) -> str:
        return self.recipe.name

    @classmethod
    def from_checkpoint(cls, path, recipe: Recipe | None = None) -> TutorialClassifier:
        """The trained module in a checkpoint, in eval mode (``training.restore``)."""
        from lightning_port.training.restore import load_trained_classifier

        return load_trained_classifier(path, recipe)

    # ---- the network ----
    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone(inputs)

    def probabilities(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone.probabilities(self.backbone(inputs))

    def predicted_classes(self, inputs: torch.Tensor) -> torch.Tensor:
        return predicted_classes(self.loss, self.backbone(inputs))

    def loss_and_outputs(self, inputs, targets):
        """The batch's loss (several outputs: the weighted sum Keras trains on) and the outputs."""
        outputs = self.backbone(inputs)
        return self.loss(outputs, targets), outputs

    def _update(self, metrics: KerasEpochMetrics, loss, outputs, targets) -> None:
        # Several outputs: each output's own loss is logged too, as Keras logs <output>_loss.
        output_losses = self.loss.per_output(outputs, targets)[1] if isinstance(self.loss, ModelLoss) else None
        metrics.update(loss, outputs, targets, output_losses)

    def running_metrics(self) -> dict[str, float]:
        """This epoch's running training loss/accuracy so far (a host sync: call sparingly)."""
        return self.train_metrics.running()

    # ---- training ----
    def on_train_epoch_start(self) -> None:
        self.train_metrics.reset()
        self._last_validation = {}
        self._epoch_started = time.perf_counter()

    def training_step(self, batch, batch_index):
        inputs, targets = batch
        loss, outputs = self.loss_and_outputs(inputs, targets)
        self._update(self.train_metrics, loss, outputs, targets)
        return loss

    def on_train_epoch_end(self) -> None:
        metrics = self.train_metrics.compute()
        for name, value in metrics.items():
            self.log(name, value, prog_bar=True)  # Keras's log names ("acc", "head_loss", ...)
        # Keras's epoch time includes the validation pass, which Lightning ran before this hook.
        row = {"epoch": self.current_epoch + 1, **_canonical(metrics), **_canonical(self._last_validation), "seconds": time.perf_counter() - self._epoch_started}
        self.history.append(row)

    def on_train_end(self) -> None:
        if self.trainer.world_size > 1:
            # DDP replicas must stay identical; a broken gradient sync would otherwise go
            # unnoticed (each rank still learns from its own shard).
            checksum = torch.stack([p.detach().double().sum() for p in self.parameters()]).sum()
            everyone = self.all_gather(checksum)
            if not torch.all(everyone == everyone[0]):
                raise RuntimeError(f"DDP replicas diverged: parameter checksums {everyone.tolist()}")

    # ---- validation and test ----
    def on_validation_epoch_start(self) -> None:
        self.validation_metrics.reset()

    def validation_step(self, batch, batch_index):
        inputs, targets = batch
        loss, outputs = self.loss_and_outputs(inputs, targets)
        self._update(self.validation_metrics, loss, outputs, targets)

    def on_validation_epoch_end(self) -> None:
        metrics = {f"val_{name}": value for name, value in self.validation_metrics.compute().items()}
        for name, value in metrics.items():
            self.log(name, value, prog_bar=True)
        if not self.trainer.sanity_checking:
            self._last_validation = metrics

    def on_test_epoch_start(self) -> None:
        while len(self.test_metrics) < len(self.evaluation_names):
            self.test_metrics.append(KerasEpochMetrics(self.loss, self.recipe).to(self.device))
        for metrics in self.test_metrics:
            metrics.reset()

    def test_step(self, batch, batch_index, dataloader_idx: int = 0):
        inputs, targets = batch
        loss, outputs = self.loss_and_outputs(inputs, targets)
        self._update(self.test_metrics[dataloader_idx], loss, outputs, targets)

    def on_test_epoch_end(self) -> None:
        for index, name in enumerate(self.evaluation_names):
            metrics = self.test_metrics[index].compute()
            self.evaluation_results[name] = _canonical(metrics)
            for metric, value in metrics.items():
                self.log(f"{name}_{metric}", value, add_dataloader_idx=False)

    def predict_step(self, batch, batch_index, dataloader_idx: int = 0):
        inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.probabilities(inputs)

    # ---- optimizer and checkpoints ----
    def configure_optimizers(self):
        return build_optimizer(self.recipe.optimizer, self.parameters())

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["model_name"] = self.recipe.name
        if self.recipe_file:
            checkpoint["recipe_file"] = self.recipe_file  # a recipe outside the registry: from_checkpoint loads it
        checkpoint["history"] = list(self.history)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        # Checkpoints written before the backbone ran graphs name tensors by position.
        checkpoint["state_dict"] = upgrade_state_dict(checkpoint["state_dict"], self.backbone)
        self.history = list(checkpoint.get("history", []))


def _canonical(metrics: dict[str, float]) -> dict[str, float]:
    """Keras log names in result.json's vocabulary ("acc" is stored as "accuracy")."""
    return {canonical_name(name): value for name, value in metrics.items()}
