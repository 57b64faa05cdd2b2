"""The LightningModule: a recipe's backbone plus Keras's loss, metrics and optimizer.

The default run is canonical Lightning: ``training_step`` returns the loss and Lightning's
automatic optimization takes one optimizer step per Keras batch, with every callback hook
(``on_before_backward``, ``on_after_backward``, ``on_before_optimizer_step``, ...) called per
step, gradient clipping, accumulation, ``max_steps`` and step-based checkpoints meaning what
they mean in any Lightning project. Epoch metrics are torchmetrics
(``keras_compat.metrics``), logged at the end of each stage's epoch.

Speed modes (``run.description.SpeedMode``) are opt-in, like Keras's own
``steps_per_execution`` and ``jit_compile``: they switch to manual optimization, run K Keras
steps per Lightning step or each step as one compiled graph, and refuse the Trainer options
and callbacks they would silently break (``training.speed_modes``).
"""

from __future__ import annotations

import time

import lightning as L
import torch
from lightning.pytorch.plugins.precision import MixedPrecision, Precision
from lightning.pytorch.strategies import SingleDeviceStrategy
from torch import nn

from lightning_port.keras_compat.losses import loss_function, predicted_classes
from lightning_port.keras_compat.metrics import KerasEpochMetrics
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.models import build_backbone
from lightning_port.models.legacy import upgrade_state_dict
from lightning_port.run.description import SpeedMode
from lightning_port.spec import Recipe
from lightning_port.support.checkpoint_files import CheckpointError, load_checkpoint, stored_model_name
from lightning_port.training.compiled_step import CompiledTrainingStep
from lightning_port.training.speed_modes import refuse_per_step_options


class TutorialClassifier(L.LightningModule):
    """Trains a recipe the way the Keras tutorial's ``fit`` does."""

    def __init__(self, recipe: Recipe, batch_size: int | None = None, speed: SpeedMode | None = None):
        super().__init__()
        # Plain values only: a checkpoint must load with torch.load(weights_only=True). The
        # speed mode is not a hyperparameter: it changes how steps run, not what is trained.
        self.save_hyperparameters({"model": recipe.name, "batch_size": batch_size or recipe.batch_size})
        self.recipe = recipe
        self.batch_size = batch_size or recipe.batch_size
        self.speed = speed or SpeedMode()
        self.automatic_optimization = self.speed.is_default
        self.backbone = build_backbone(recipe)
        self.loss = loss_function(recipe)
        self.example_input_array = torch.zeros(2, *self.backbone.input_shape)
        self.train_metrics = KerasEpochMetrics(self.loss, recipe.output_units)
        self.validation_metrics = KerasEpochMetrics(self.loss, recipe.output_units)
        self.test_metrics = nn.ModuleList()  # one per evaluated split, made when testing starts
        self.history: list[dict] = []  # one row per finished epoch; saved in checkpoints
        self.evaluation_names: list[str] = ["test"]  # set by the trainer from the datamodule
        self.evaluation_results: dict[str, dict[str, float]] = {}
        self._last_validation: dict[str, float] = {}
        self._epoch_started = 0.0
        self._compiled_step: CompiledTrainingStep | None = None
        self.recipe_file: str | None = None  # set for a recipe module outside the registry

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
            recipe = cls._stored_recipe(checkpoint, name, path)
        elif recipe.name != name:
            raise CheckpointError(f"{path} is a {name} checkpoint, not {recipe.name}; pass a {recipe.name} checkpoint or --model {name}")
        system = cls(recipe, batch_size=checkpoint.get("hyper_parameters", {}).get("batch_size"))
        try:
            system.load_state_dict(upgrade_state_dict(checkpoint["state_dict"], system.backbone))
        except (KeyError, RuntimeError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CheckpointError(f"{path}: its weights do not fit {name} ({first_line})") from None
        system.history = list(checkpoint.get("history", []))
        return system.eval()

    @staticmethod
    def _stored_recipe(checkpoint: dict, name: str, path) -> Recipe:
        """A registered recipe by the stored name, or the recipe module a ported checkpoint names."""
        from pathlib import Path

        from lightning_port.registry import RecipeFileError, UnknownModelError, get_recipe, model_names, recipe_from_file

        if name in model_names():
            return get_recipe(name)
        recipe_file = checkpoint.get("recipe_file")
        if not recipe_file:
            raise CheckpointError(f"{path}: {UnknownModelError(f'unknown model {name!r}; valid names: ' + ', '.join(model_names()))}")
        location = Path(recipe_file) if Path(recipe_file).is_absolute() else Path(path).parent / recipe_file
        try:
            return recipe_from_file(location)
        except RecipeFileError as error:
            raise CheckpointError(f"{path} names its recipe module {location}, which cannot be loaded: {error}") from None

    # ---- the network ----
    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone(inputs)

    def probabilities(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone.probabilities(self.backbone(inputs))

    def predicted_classes(self, inputs: torch.Tensor) -> torch.Tensor:
        return predicted_classes(self.loss, self.backbone(inputs))

    def _loss_and_logits(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = self.backbone(inputs)
        return self.loss(outputs, targets), outputs

    def running_metrics(self) -> dict[str, float]:
        """This epoch's running training loss/accuracy so far (a host sync: call sparingly)."""
        return self.train_metrics.running()

    # ---- training ----
    def configure_callbacks(self):
        # The first hook Lightning calls with the Trainer's options in place, before it checks
        # them itself: a speed mode refuses per-step options here, with its own one-line reason.
        if self.trainer.state.fn == "fit":
            refuse_per_step_options(self.trainer, self.speed)
        return []

    def on_train_epoch_start(self) -> None:
        self.train_metrics.reset()
        self._last_validation = {}
        self._epoch_started = time.perf_counter()

    def training_step(self, batch, batch_index):
        if not self.automatic_optimization:
            self._speed_mode_steps(batch)
            return None
        inputs, targets = batch
        loss, logits = self._loss_and_logits(inputs, targets)
        self.train_metrics.update(loss, logits, targets)
        return loss

    def on_train_epoch_end(self) -> None:
        metrics = self.train_metrics.compute()
        for name, value in metrics.items():
            self.log(name, value, prog_bar=True)
        # Keras's epoch time includes the validation pass, which Lightning ran before this hook.
        row = {"epoch": self.current_epoch + 1, **metrics, **self._last_validation, "seconds": time.perf_counter() - self._epoch_started}
        self.history.append(row)

    def on_train_end(self) -> None:
        if self.trainer.world_size > 1:
            # DDP replicas must stay identical; a broken gradient sync would otherwise go
            # unnoticed (each rank still learns from its own shard).
            checksum = torch.stack([p.detach().double().sum() for p in self.parameters()]).sum()
            everyone = self.all_gather(checksum)
            if not torch.all(everyone == everyone[0]):
                raise RuntimeError(f"DDP replicas diverged: parameter checksums {everyone.tolist()}")

    # ---- speed modes: K Keras steps per Lightning step, or compiled steps ----
    def _direct_steps_allowed(self) -> bool:
        """Whether a Keras step inside an execution may call backward() and the optimizer
        directly. On one device with no gradient scaler, Lightning's wrappers add only hook
        dispatch (refused in speed modes anyway); DDP (which prepares its reducer before every
        backward) and 16-bit scaling always go through them."""
        plugin = self.trainer.precision_plugin
        return (
            isinstance(self.trainer.strategy, SingleDeviceStrategy)
            and type(plugin) in (Precision, MixedPrecision)
            and getattr(plugin, "scaler", None) is None
        )

    def _speed_mode_steps(self, batch) -> None:
        """The execution's Keras steps, in order, each on its own ``batch_size`` slice.

        Every step but the execution's last updates directly; the last goes through
        Lightning's optimizer wrapper (its public ``step``), so ``trainer.global_step`` counts
        executions, as Keras's progress bar counts ``steps_per_execution`` blocks.
        """
        optimizer = self.optimizers()
        inputs, targets = batch
        pieces = list(zip(inputs.split(self.batch_size), targets.split(self.batch_size)))
        direct = self._direct_steps_allowed()
        for position, (step_inputs, step_targets) in enumerate(pieces):
            last = position == len(pieces) - 1
            compiled = self.speed.compile and len(step_inputs) == self.batch_size
            if compiled:
                compiled_step = self._compiled_training_step(optimizer)

                def run_compiled(step_inputs=step_inputs, step_targets=step_targets):
                    # No .grad may survive from an eager step: the wrapper's inner optimizer
                    # would apply it again after this closure.
                    optimizer.optimizer.zero_grad(set_to_none=True)
                    loss, logits = compiled_step(step_inputs, step_targets)
                    self.train_metrics.update(loss, logits, step_targets)

                if last:
                    # The compiled graph applies the update itself; the wrapper's step only
                    # runs it as its closure (no .grad is left for the inner optimizer).
                    optimizer.step(closure=run_compiled)
                else:
                    run_compiled()
                continue
            # An epoch's final partial batch runs eagerly under --compile rather than
            # compiling a second graph for its shape (seconds of compilation for one step).
            loss, logits = self._loss_and_logits(step_inputs, step_targets)
            self.train_metrics.update(loss, logits, step_targets)
            if direct and not last:
                optimizer.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.optimizer.step()
            else:
                optimizer.zero_grad(set_to_none=True)
                self.manual_backward(loss)
                optimizer.step()

    def _compiled_training_step(self, optimizer) -> CompiledTrainingStep:
        # Built on first use, and again if the Trainer made a new optimizer (another fit()).
        if self._compiled_step is None or self._compiled_step.optimizer is not optimizer.optimizer:
            if not self._direct_steps_allowed():
                raise RuntimeError("--compile runs on one device without a gradient scaler (16-mixed); see compiled_step.py")
            autocast = torch.bfloat16 if self.trainer.precision == "bf16-mixed" else None
            self._compiled_step = CompiledTrainingStep(self.backbone, optimizer.optimizer, self.loss, autocast)
        return self._compiled_step

    # ---- validation and test ----
    def on_validation_epoch_start(self) -> None:
        self.validation_metrics.reset()

    def validation_step(self, batch, batch_index):
        inputs, targets = batch
        loss, logits = self._loss_and_logits(inputs, targets)
        self.validation_metrics.update(loss, logits, targets)

    def on_validation_epoch_end(self) -> None:
        metrics = {f"val_{name}": value for name, value in self.validation_metrics.compute().items()}
        for name, value in metrics.items():
            self.log(name, value, prog_bar=True)
        if not self.trainer.sanity_checking:
            self._last_validation = metrics

    def on_test_epoch_start(self) -> None:
        while len(self.test_metrics) < len(self.evaluation_names):
            self.test_metrics.append(KerasEpochMetrics(self.loss, self.recipe.output_units).to(self.device))
        for metrics in self.test_metrics:
            metrics.reset()

    def test_step(self, batch, batch_index, dataloader_idx: int = 0):
        inputs, targets = batch
        loss, logits = self._loss_and_logits(inputs, targets)
        self.test_metrics[dataloader_idx].update(loss, logits, targets)

    def on_test_epoch_end(self) -> None:
        for index, name in enumerate(self.evaluation_names):
            metrics = self.test_metrics[index].compute()
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
        if self.recipe_file:
            checkpoint["recipe_file"] = self.recipe_file  # a recipe outside the registry: from_checkpoint loads it
        checkpoint["history"] = list(self.history)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        # Checkpoints written before the backbone ran graphs name tensors by position.
        checkpoint["state_dict"] = upgrade_state_dict(checkpoint["state_dict"], self.backbone)
        self.history = list(checkpoint.get("history", []))
