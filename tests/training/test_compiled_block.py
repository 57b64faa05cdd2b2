"""``--compile --steps-per-execution K``: an execution of K Keras steps as one compiled block.

Its updates, epoch metrics and step counts are bit-identical to K single compiled steps
(``--compile``), on an MLP and on the convolution recipe with augmentation and dropout; the
executions include a full block, a shorter last one and an epoch's final partial batch.
"""

from __future__ import annotations

import math

import pytest
import torch

from lightning_port.registry import get_recipe
from tests.helpers import fit_in_process

BLOCK = 2


def _batches_and_a_half(name: str) -> int:
    """3.5 batches: an execution of two full batches, then one of a full and a partial batch."""
    return 3 * get_recipe(name).batch_size + get_recipe(name).batch_size // 2


@pytest.mark.parametrize("name", ["mnist_mlp", "cifar_cnn"])
def test_a_compiled_block_trains_bit_identically_to_single_compiled_steps(name, data_dir):
    samples = _batches_and_a_half(name)
    runs = {}
    for steps in (1, BLOCK):
        # No validation: what is compared is training (CIFAR's 5,000 held-out images would be most of the time).
        runs[steps], _ = fit_in_process(
            name, data_dir, epochs=2, max_train_samples=samples, steps_per_execution=steps, compile=True, trainer_options={"limit_val_batches": 0},
        )
    single, block = runs[1], runs[BLOCK]
    assert block.compiled_block.step.steps == BLOCK and single.compiled_block.step.steps == 1
    assert single.trainer.global_step == 2 * 4 and block.trainer.global_step == 2 * math.ceil(4 / BLOCK)
    assert all(torch.equal(a, b) for a, b in zip(single.parameters(), block.parameters()))
    histories = [[{key: value for key, value in row.items() if key != "seconds"} for row in run.history] for run in (single, block)]
    print(f"{name}: {histories[1]}")
    assert histories[0] == histories[1] and len(histories[1]) == 2
    # Every sample counted once in the epoch metrics: the block's in-graph sums and the eager partial batch.
    assert block.train_metrics.loss.weight.item() == samples
    correct, counted = block.train_metrics.accuracy_counts()
    assert counted == samples and correct == round(block.history[-1]["accuracy"] * samples)


def test_a_block_runs_only_whole_batches_that_fit_its_table():
    from lightning_port.keras_compat.losses import KerasLoss
    from lightning_port.keras_compat.optimizers import build_optimizer
    from lightning_port.spec import SGD
    from lightning_port.training.compiled_block import CompiledBlock
    from lightning_port.training.compiled_step import CompiledTrainingStep

    model = torch.nn.Linear(4, 2)
    step = CompiledTrainingStep(model, build_optimizer(SGD(), model.parameters()), KerasLoss("mean_squared_error"), steps=2)
    block = CompiledBlock(step, batch_size=8, capture=False)
    for samples in (12, 24, 0):
        with pytest.raises(ValueError, match="a block runs 1 to 2 full batches of 8"):
            block.run(torch.zeros(samples, 4), torch.zeros(samples, 2))


@pytest.mark.gpu
def test_a_compiled_block_on_cuda_is_one_captured_graph_matching_single_steps(data_dir):
    """On CUDA the block is captured as a CUDA graph and replayed; mnist_mlp has no dropout,
    so the replays must give the single compiled steps' weights bit for bit."""
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    runs = {}
    for steps in (1, 8):
        runs[steps], _ = fit_in_process("mnist_mlp", data_dir, epochs=2, max_train_samples=2_000, steps_per_execution=steps, compile=True, trainer_options={"accelerator": "gpu"})
    single, block = runs[1], runs[8]
    assert block.compiled_block.captured and block.device.type == "cuda"
    worst = max((a - b).abs().max().item() for a, b in zip(single.parameters(), block.parameters()))
    print(f"CUDA captured block of 8 vs single compiled steps: max weight difference {worst:.2e}")
    assert worst == 0
    assert [row["loss"] for row in single.history] == [row["loss"] for row in block.history]
