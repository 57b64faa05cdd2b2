"""The LightningModule on real data: training lowers the loss, and the step grouping is exact."""

import math

import lightning as L
import pytest
import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.registry import get_recipe, model_names
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
    system, _ = fit_in_process(name, data_dir, epochs=epochs, max_train_samples=samples)
    after = mean_loss(system, inputs, targets)
    print(f"{name}: training loss {before:.4f} -> {after:.4f} (must fall by {required_drop:.1%})")
    assert after < (1 - required_drop) * before


def test_steps_per_execution_does_not_change_a_single_update(data_dir):
    """k Keras batches per Lightning step must give bit-identical weights to one per step.

    With k > 1 all but the last step of each block take the direct path (no Lightning
    wrappers), so this also pins the direct path to the wrapped one. 2,000 samples in
    batches of 32 make 63 steps an epoch, so blocks of 5 end with a partial block.
    """
    weights = []
    for steps in (1, 5):
        system, _ = fit_in_process("mnist_mlp", data_dir, epochs=2, max_train_samples=2_000, steps_per_execution=steps)
        weights.append([p.detach().clone() for p in system.parameters()])
        assert len(system.history) == 2
        # trainer.global_step counts optimizer steps (Keras's `iterations`) on either path.
        assert system.trainer.global_step == 2 * 63
        assert system._direct_steps_allowed()
    for first, second in zip(*weights):
        assert torch.equal(first, second)


def test_epoch_metrics_are_sample_weighted_running_means(data_dir):
    """Keras's epoch loss/accuracy: batch means weighted by batch size (partial batch included)."""
    system, datamodule = fit_in_process("mnist_mlp", data_dir, epochs=1, max_train_samples=1_000, batch_size=300)
    row = system.history[0]
    assert set(row) >= {"epoch", "loss", "accuracy", "seconds"}
    assert 0 < row["accuracy"] <= 1 and row["loss"] > 0
    # 1,000 samples in batches of 300: accuracy is a multiple of 1/1000.
    assert abs(row["accuracy"] * 1000 - round(row["accuracy"] * 1000)) < 1e-9
