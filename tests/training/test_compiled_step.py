"""scripts/train.py --compile: the Trainer runs each full Keras batch as one compiled step.

Against Keras: tests/parity/test_numerics.py::test_compiled_steps_match_keras. Here: the
compiled path trains like the eager one inside the Trainer (step counts, epoch metrics,
final weights to float32 rounding), and the final partial batch takes the eager path.
"""

import pytest
import torch

from tests.helpers import fit_in_process, train
from lightning_port.support.checkpoint_files import load_checkpoint

# Two epochs of 63 steps on float32 weights: kernel fusion rounds differently from eager in
# the last bits, and Adam carries those differences forward. Measured: 3.8e-7 relative.
WEIGHT_TOLERANCE = 1e-5


def test_compiled_training_matches_eager_training(data_dir):
    # 2,000 samples in batches of 32: 62 full batches (compiled) and one of 16 (eager) an epoch.
    runs = {}
    for compile in (False, True):
        system, _ = fit_in_process("mnist_mlp", data_dir, epochs=2, max_train_samples=2_000, steps_per_execution=8, compile=compile)
        runs[compile] = system
    eager, compiled = runs[False], runs[True]
    assert compiled._compiled_step is not None and eager._compiled_step is None
    # Lightning steps: executions of 8 Keras steps (8 an epoch: 7 of 8 and one of 7).
    assert compiled.trainer.global_step == eager.trainer.global_step == 2 * 8
    worst = max(
        ((a - b).abs().max() / b.abs().max()).item()
        for a, b in zip(compiled.parameters(), eager.parameters())
    )
    print(f"compiled vs eager after 126 steps: max relative weight difference {worst:.2e} (tolerance {WEIGHT_TOLERANCE})")
    assert 0 <= worst <= WEIGHT_TOLERANCE
    for compiled_row, eager_row in zip(compiled.history, eager.history):
        assert abs(compiled_row["loss"] - eager_row["loss"]) <= 1e-4 * eager_row["loss"]
        assert abs(compiled_row["accuracy"] - eager_row["accuracy"]) <= 2 / 2_000  # a sample or two near a tie
    assert [row["epoch"] for row in compiled.history] == [1, 2]
    # The epoch metrics counted every sample, compiled and eager steps alike.
    assert compiled.train_metrics.loss.weight.item() == 2_000
    assert all(torch.isfinite(p).all() for p in compiled.parameters())


@pytest.mark.gpu
def test_compiled_training_on_cuda_matches_eager(tmp_path, data_dir):
    """The same comparison through run_training on a GPU (Triton kernels instead of C++)."""
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    weights = {}
    for compile in (False, True):
        result = train(tmp_path / str(compile), "mnist_mlp", epochs=2, max_train_samples=2_000, data_dir=str(data_dir), accelerator="gpu", compile=compile)
        assert result["compiled"] is compile and result["accelerator"] == "cuda"
        weights[compile] = load_checkpoint(result["checkpoint"])["state_dict"]
    worst = max(((weights[True][k] - weights[False][k]).abs().max() / weights[False][k].abs().max()).item() for k in weights[False])
    print(f"CUDA compiled vs eager after 126 steps: max relative weight difference {worst:.2e} (tolerance {WEIGHT_TOLERANCE})")
    assert worst <= WEIGHT_TOLERANCE
