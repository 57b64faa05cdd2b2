"""scripts/train.py --compile: the Trainer runs each full Keras batch as one compiled step.

Against Keras: tests/parity/test_numerics.py::test_compiled_steps_match_keras. Here: the
compiled path trains like the eager one inside the Trainer (step counts, epoch metrics,
final weights to float32 rounding), and the final partial batch takes the eager path.
"""

import pytest
import torch

from tests.helpers import fit_in_process, train
from lightning_port.spec import SGD, Adam
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
    assert compiled.compiled_block is not None and eager.compiled_block is None
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


def test_only_a_failure_to_build_says_so():
    """A step that fails on its own (here: inputs of the wrong width) raises its own error on
    the first call, not "could not build ... install a C++ compiler"."""
    from lightning_port.keras_compat.losses import loss_function
    from lightning_port.keras_compat.optimizers import build_optimizer
    from lightning_port.models import build_backbone
    from lightning_port.registry import get_recipe
    from lightning_port.training.compiled_step import CompiledTrainingStep, CompileUnsupported

    recipe = get_recipe("mnist_mlp")
    backbone = build_backbone(recipe)
    step = CompiledTrainingStep(backbone, build_optimizer(recipe.optimizer, backbone.parameters()), loss_function(recipe))
    with pytest.raises(Exception) as raised:
        step(torch.zeros(4, 700), torch.zeros(4, dtype=torch.long))
    assert not isinstance(raised.value, CompileUnsupported)
    assert "784" in str(raised.value) or "700" in str(raised.value)


def test_many_compiled_steps_in_one_process_each_get_their_own_recompile_budget():
    """A sweep or a notebook builds one step per model in one process: Dynamo's cache is per
    code object, so without isolation the (recompile_limit + 1)-th step fails under fullgraph."""
    from lightning_port.keras_compat.losses import KerasLoss
    from lightning_port.keras_compat.optimizers import build_optimizer
    from lightning_port.spec import SGD
    from lightning_port.training.compiled_step import CompiledTrainingStep

    with torch._dynamo.config.patch(recompile_limit=1):
        for width in (3, 3, 5):
            model = torch.nn.Linear(4, width)
            step = CompiledTrainingStep(model, build_optimizer(SGD(), model.parameters()), KerasLoss("mean_squared_error"))
            loss, _ = step(torch.randn(8, 4), torch.randn(8, width))
            assert torch.isfinite(loss)


@pytest.mark.parametrize(
    ("optimizer", "refused"),
    [(Adam(), True), (SGD(clipnorm=1.0), True), (SGD(clipvalue=0.5), True), (SGD(momentum=0.9), False)],
    ids=["Adam", "SGD clipnorm", "SGD clipvalue", "SGD momentum"],
)
def test_an_embedding_compiles_only_with_an_optimizer_that_never_reads_its_token_rows(optimizer, refused):
    """Keras squares and clips an Embedding's gradient per looked-up token: the port's Embedding
    records those rows in a backward pass the compiled graph does not run, so --compile refuses
    the optimizers that read them instead of training on the summed gradient."""
    from lightning_port.keras_compat.losses import KerasLoss
    from lightning_port.keras_compat.optimizers import build_optimizer
    from lightning_port.layers.kinds.embedding import KerasEmbedding
    from lightning_port.training.compiled_step import CompiledTrainingStep, CompileUnsupported

    backbone = torch.nn.Sequential(KerasEmbedding(10, 3))
    built = build_optimizer(optimizer, backbone.parameters())
    if refused:
        with pytest.raises(CompileUnsupported, match="squares or clips"):
            CompiledTrainingStep(backbone, built, KerasLoss("mean_squared_error"))
    else:
        CompiledTrainingStep(backbone, built, KerasLoss("mean_squared_error"))
