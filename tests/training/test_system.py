"""The LightningModule on real data: canonical Lightning by default, training lowers the loss,
epoch metrics are Keras's, and speed modes change no update."""

import math

import lightning as L
import pytest
import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.registry import get_recipe, model_names, recipes_in_order
from lightning_port.training.system import TutorialClassifier
from tests.helpers import definition, fit_in_process, mean_loss


@pytest.mark.parametrize("name", model_names())
def test_a_few_training_steps_lower_the_loss(name, data_dir):
    """A few epochs on the recipe's quick subset lower the training loss by its Evidence's bar."""
    recipe = get_recipe(name)
    samples, required_drop = recipe.evidence.quick_samples, recipe.evidence.quick_loss_drop
    # At least 48 optimizer steps; a whole small data set (Pima) gets 20 epochs.
    epochs = max(3, math.ceil(48 * recipe.batch_size / samples)) if samples else 20
    L.seed_everything(0, verbose=False)
    datamodule = TutorialDataModule(definition(name, data_dir, max_train_samples=samples))
    datamodule.setup()
    inputs, targets = datamodule.train_tensors
    before = mean_loss(TutorialClassifier(recipe), inputs, targets)  # seed 0 init, as below
    # No validation: this measures the training loss, and CIFAR's 5,000 held-out validation images
    # each epoch would be most of the test's time (EpochSeeding keeps the training draws the same).
    system, _ = fit_in_process(name, data_dir, epochs=epochs, max_train_samples=samples, trainer_options={"limit_val_batches": 0})
    after = mean_loss(system, inputs, targets)
    print(f"{name}: training loss {before:.4f} -> {after:.4f} (must fall by {required_drop:.1%})")
    assert after < (1 - required_drop) * before


def test_the_default_run_is_canonical_lightning(data_dir):
    """Automatic optimization, training_step returns the loss, one optimizer step per Keras batch."""
    recipe = get_recipe("mnist_mlp")
    system = TutorialClassifier(recipe)
    assert system.automatic_optimization
    datamodule = TutorialDataModule(definition("mnist_mlp", data_dir, max_train_samples=100))
    datamodule.setup()
    batch = next(iter(datamodule.train_dataloader()))
    loss = system.training_step(batch, 0)
    assert isinstance(loss, torch.Tensor) and loss.requires_grad and loss.dim() == 0


def test_the_progress_bar_counts_keras_batches(data_dir):
    """1,875 steps an MNIST epoch at batch 32, as Keras's progress bar shows (max_steps ends it early)."""
    system, _ = fit_in_process("mnist_mlp", data_dir, epochs=1, trainer_options={"max_steps": 3})
    assert system.trainer.num_training_batches == 1875 == math.ceil(60_000 / 32)
    assert system.trainer.global_step == 3


@pytest.mark.parametrize(
    "name",
    # Convolution recipes are the ones with random draws (dropout, augmentation): every
    # recipe runs here, the heavy ones on their quick subset.
    [pytest.param(recipe.name, id=recipe.name) for recipe in recipes_in_order()],
)
def test_steps_per_execution_does_not_change_a_single_update(name, data_dir):
    """K Keras batches per Lightning step give bit-identical weights to one per step, for
    every recipe: augmentation draws per Keras batch from a stream of its own, dropout from
    torch's global one, so the two never interleave differently (support/seeds.py).

    The sample count makes the last execution a partial one (and the last batch partial)."""
    recipe = get_recipe(name)
    samples = recipe.evidence.quick_samples or 768
    samples = min(samples, 13 * recipe.batch_size) - recipe.batch_size // 2  # 12.5 batches: 4 executions of 3, the last partial
    weights, histories = [], []
    for steps in (1, 3):
        # Four validation batches are enough to compare the validation figures too (CIFAR's 5,000
        # held-out images, twice per run, would dominate the test's time).
        system, datamodule = fit_in_process(
            name, data_dir, epochs=2, max_train_samples=samples, steps_per_execution=steps,
            trainer_options={"limit_val_batches": 4} if recipe.validation else None,
        )
        weights.append([p.detach().clone() for p in system.parameters()])
        histories.append([{k: v for k, v in row.items() if k != "seconds"} for row in system.history])
        trained = len(datamodule.train_tensors[0])  # after a validation split, if the recipe has one
        executions = math.ceil(math.ceil(trained / recipe.batch_size) / steps)
        # trainer.global_step counts Lightning steps: Keras batches by default, executions in a speed mode.
        assert system.trainer.global_step == 2 * executions
    assert histories[0] == histories[1]
    assert all(torch.equal(first, second) for first, second in zip(*weights))


def test_epoch_metrics_are_batch_size_weighted_means_of_the_batches(data_dir):
    """Keras's epoch loss/accuracy: each batch's mean loss weighted by its size, the final
    partial batch included; computed here from per-batch figures a callback records."""

    class PerBatch(L.Callback):
        def __init__(self):
            self.rows = []

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_index):
            inputs, targets = batch
            with torch.no_grad():
                # outputs["loss"] is the batch's mean loss before this step's update.
                hits, _ = module.train_metrics.accuracy_counts()
            self.rows.append((outputs["loss"].item(), len(targets), hits))

    recorder = PerBatch()
    system, _ = fit_in_process("mnist_mlp", data_dir, epochs=1, max_train_samples=1_000, batch_size=300, callbacks=(recorder,))
    sizes = [size for _, size, _ in recorder.rows]
    assert sizes == [300, 300, 300, 100]
    expected_loss = sum(loss * size for loss, size, _ in recorder.rows) / 1_000
    expected_accuracy = recorder.rows[-1][2] / 1_000  # cumulative hits after the last batch
    unweighted = sum(loss for loss, _, _ in recorder.rows) / 4
    row = system.history[0]
    print(f"epoch loss {row['loss']:.6f}: weighted {expected_loss:.6f}, unweighted {unweighted:.6f}")
    assert row["loss"] == pytest.approx(expected_loss, rel=1e-6)
    assert abs(unweighted - expected_loss) > 1e-4  # the weighting is visible in this run
    assert row["accuracy"] == pytest.approx(expected_accuracy, abs=1e-7)  # torchmetrics returns float32
