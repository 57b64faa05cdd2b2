"""The LightningModule: a recipe's backbone plus Keras's loss, metrics and optimizer."""

from __future__ import annotations

import time

import lightning as L
import torch
from lightning.pytorch.plugins.precision import MixedPrecision, Precision
from lightning.pytorch.strategies import SingleDeviceStrategy

from lightning_port.training.compiled_step import CompiledTrainingStep, accumulate_epoch_sums
from lightning_port.keras_compat.losses import keras_correct, keras_loss
from lightning_port.models import build_backbone
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.spec import Recipe
from lightning_port.support.checkpoint_files import CheckpointError, load_checkpoint, stored_model_name

STAGES = ("train", "validation", "test")


class _EpochTotals:
    """Sums kept on the device for one stage and data loader, so training steps never sync.

    Keras reports an epoch's loss and accuracy as running means over its batches, each
    batch weighted by its size (``Mean`` trackers with ``sample_weight=batch_size``); the
    final partial batch therefore counts for what it holds.
    """

    def __init__(self, device: torch.device):
        self.loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.correct = torch.zeros((), dtype=torch.float64, device=device)
        self.count = torch.zeros((), dtype=torch.float64, device=device)

    @property
    def sums(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.loss_sum, self.correct, self.count

    @torch.no_grad()
    def add(self, mean_loss: torch.Tensor, hits: torch.Tensor) -> None:
        accumulate_epoch_sums(self.sums, mean_loss, hits)

    def reduced(self, strategy) -> dict[str, float]:
        totals = torch.stack([self.loss_sum, self.correct, self.count])
        totals = strategy.reduce(totals, reduce_op="sum")  # sums over DDP ranks; no-op on one device
        loss_sum, correct, count = totals.tolist()
        if count == 0:
            return {}
        return {"loss": loss_sum / count, "accuracy": correct / count}


class TutorialClassifier(L.LightningModule):
    """Trains a recipe the way the Keras tutorial's ``fit`` does.

    A training "batch" from the data module may hold several Keras batches (Keras's
    ``steps_per_execution``): ``training_step`` splits it into ``batch_size`` pieces and
    takes one optimizer step per piece, in order, exactly as separate steps would. This
    amortises Lightning's per-step hook overhead, which on these tiny models costs as much
    as the arithmetic, without changing a single update.
    """

    def __init__(self, recipe: Recipe, batch_size: int | None = None):
        super().__init__()
        # Plain values only: a checkpoint must load with torch.load(weights_only=True).
        self.save_hyperparameters({"model": recipe.name, "batch_size": batch_size or recipe.batch_size})
        # --compile: full-size Keras batches take one compiled step (see compiled_step.py).
        # Not a hyperparameter: it changes how a step runs, not what is trained.
        self.compile_training_step = False
        self._compiled_step: CompiledTrainingStep | None = None
        self.recipe = recipe
        self.batch_size = batch_size or recipe.batch_size
        # Optimizer steps are taken in training_step, one per Keras batch (see above).
        self.automatic_optimization = False
        self.backbone = build_backbone(self.recipe)
        self.example_input_array = torch.zeros(2, *self.backbone.torch_input_shape)
        self.history: list[dict] = []  # one row per finished epoch; saved in checkpoints
        self.evaluation_names: list[str] = ["test"]  # set by the trainer from the datamodule
        self.evaluation_results: dict[str, dict[str, float]] = {}
        self._totals: dict[tuple[str, int], _EpochTotals] = {}
        self._epoch_started = 0.0

    @property
    def model_name(self) -> str:
        return self.recipe.name

    @classmethod
    def from_checkpoint(cls, path, recipe: Recipe | None = None) -> TutorialClassifier:
        """The trained module in a checkpoint, in eval mode, read with ``weights_only=True``.

        ``recipe``: the recipe the caller already resolved (the checkpoint must be of it);
        without one, the recipe is restored by the model name stored in the checkpoint.
        """
        checkpoint = load_checkpoint(path)
        name = stored_model_name(checkpoint, path)
        if recipe is None:
            from lightning_port.registry import UnknownModelError, get_recipe

            try:
                recipe = get_recipe(name)
            except UnknownModelError as error:
                raise CheckpointError(f"{path}: {error}") from None
        elif recipe.name != name:
            raise CheckpointError(f"{path} is a {name} checkpoint, not {recipe.name}; pass a {recipe.name} checkpoint or --model {name}")
        system = cls(recipe, batch_size=checkpoint.get("hyper_parameters", {}).get("batch_size"))
        try:
            system.load_state_dict(checkpoint["state_dict"])
        except (KeyError, RuntimeError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CheckpointError(f"{path}: its weights do not fit {name} ({first_line})") from None
        system.history = list(checkpoint.get("history", []))
        return system.eval()

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone(inputs)

    def probabilities(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone.probabilities(self.backbone(inputs))

    def predicted_classes(self, inputs: torch.Tensor) -> torch.Tensor:
        logits = self.backbone(inputs)
        if self.backbone.output_activation == "softmax":
            return logits.argmax(dim=1)
        return (self.backbone.probabilities(logits).squeeze(1) > 0.5).long()

    # ---- per-epoch totals ----
    def _reset(self, stage: str, index: int = 0) -> None:
        self._totals[(stage, index)] = _EpochTotals(self.device)

    def _step(self, stage: str, batch, index: int = 0) -> torch.Tensor:
        inputs, targets = batch
        logits = self.backbone(inputs)
        loss = keras_loss(self.recipe.loss, logits, targets)
        self._totals[(stage, index)].add(loss, keras_correct(self.recipe.loss, logits.detach(), targets))
        return loss

    def running_metrics(self) -> dict[str, float]:
        """This epoch's running training loss/accuracy so far (a host sync: call sparingly)."""
        totals = self._totals.get(("train", 0))
        if totals is None or totals.count.item() == 0:
            return {}
        count = totals.count.item()
        return {"loss": totals.loss_sum.item() / count, "accuracy": totals.correct.item() / count}

    # ---- training ----
    def on_train_epoch_start(self) -> None:
        self._reset("train")
        self._epoch_started = time.perf_counter()

    def training_step(self, batch, batch_index):
        # Lightning's optimizer wrapper: counts global steps (checkpointing relies on it) and
        # runs the backward/optimizer hooks, the precision plugin and DDP's gradient sync.
        optimizer = self.optimizers()
        inputs, targets = batch
        pieces = list(zip(inputs.split(self.batch_size), targets.split(self.batch_size)))
        if self.compile_training_step:
            self._compiled_steps(optimizer, pieces)
            return
        direct = self._direct_steps_allowed()
        for position, (step_inputs, step_targets) in enumerate(pieces):
            loss = self._step("train", (step_inputs, step_targets))
            if direct and position < len(pieces) - 1:
                self._direct_step(optimizer, loss)
            else:
                optimizer.zero_grad(set_to_none=True)
                self.manual_backward(loss)
                optimizer.step()

    def _direct_steps_allowed(self) -> bool:
        """Whether a Keras step may skip Lightning's per-step wrappers.

        On one device with no gradient scaler, ``manual_backward`` and the wrapped ``step``
        add only hook dispatch around ``loss.backward()`` and ``optimizer.step()``: about
        0.15 ms a step, as much as a 784-64-64-10 MLP's arithmetic. DDP (which must prepare
        its reducer before every backward) and 16-bit scaling always take the full path.
        """
        plugin = self.trainer.precision_plugin
        return (
            isinstance(self.trainer.strategy, SingleDeviceStrategy)
            and type(plugin) in (Precision, MixedPrecision)
            and getattr(plugin, "scaler", None) is None
        )

    def _compiled_steps(self, optimizer, pieces) -> None:
        # Built on first use, and again if the Trainer made a new optimizer (another fit()).
        if self._compiled_step is None or self._compiled_step.optimizer is not optimizer.optimizer:
            if not self._direct_steps_allowed():
                raise RuntimeError("--compile runs on one device without a gradient scaler (16-mixed); see compiled_step.py")
            autocast = torch.bfloat16 if self.trainer.precision == "bf16-mixed" else None
            self._compiled_step = CompiledTrainingStep(self.backbone, optimizer.optimizer, self.recipe.loss, autocast)
        totals = self._totals[("train", 0)]
        for step_inputs, step_targets in pieces:
            if len(step_inputs) == self.batch_size:
                self._compiled_step(step_inputs, step_targets, totals.sums)
                optimizer._on_before_step()  # Lightning's step counters, as on the direct path
                optimizer._on_after_step()
            else:
                # An epoch's final partial batch runs eagerly rather than compiling a second
                # graph for its shape (seconds of compilation for one step an epoch).
                self._direct_step(optimizer, self._step("train", (step_inputs, step_targets)))

    @staticmethod
    def _direct_step(optimizer, loss: torch.Tensor) -> None:
        # The wrapper's own step counters still advance, so trainer.global_step counts Keras
        # steps either way; only the callbacks' backward/optimizer hooks are skipped (they
        # run once per execution block, on its last step).
        optimizer.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer._on_before_step()
        optimizer.optimizer.step()
        optimizer._on_after_step()

    def on_train_epoch_end(self) -> None:
        metrics = self._totals[("train", 0)].reduced(self.trainer.strategy)
        validation = self._totals.get(("validation", 0))
        if validation is not None and not self.trainer.sanity_checking:
            metrics.update({f"val_{name}": value for name, value in validation.reduced(self.trainer.strategy).items()})
        for name, value in metrics.items():
            self.log(name, value, on_epoch=True, prog_bar=True, sync_dist=False)
        # Keras's epoch time includes the validation pass, which Lightning ran before this hook.
        row = {"epoch": self.current_epoch + 1, **metrics, "seconds": time.perf_counter() - self._epoch_started}
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
        self._reset("validation")

    def validation_step(self, batch, batch_index):
        self._step("validation", batch)

    def on_test_epoch_start(self) -> None:
        for index in range(len(self.evaluation_names)):
            self._reset("test", index)

    def test_step(self, batch, batch_index, dataloader_idx: int = 0):
        self._step("test", batch, dataloader_idx)

    def on_test_epoch_end(self) -> None:
        for index, name in enumerate(self.evaluation_names):
            metrics = self._totals[("test", index)].reduced(self.trainer.strategy)
            self.evaluation_results[name] = metrics
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
        checkpoint["history"] = list(self.history)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.history = list(checkpoint.get("history", []))
