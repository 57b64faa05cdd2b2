"""The CUDA path (``--accelerator gpu``): run by ``make gpu-evidence`` on a GPU machine.

On a machine without CUDA these tests report "needs a CUDA device" and are not run; the
default suite excludes the ``gpu`` marker (pyproject.toml). What they hold the device to:
float64 arithmetic equal to the CPU's (the truth the float32 parity is judged against),
augmentation equal to the CPU's, and a default-mode run that learns.
"""

import pytest
import torch

from lightning_port.keras_compat.augmentation import apply_transform, sample_parameters
from lightning_port.keras_compat.losses import loss_function
from lightning_port.models import build_backbone
from lightning_port.registry import get_recipe
from tests.helpers import train

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

# Float64 on two devices: the same operations, reduced in other orders (~1e-16 per operation).
FLOAT64_TOLERANCE = 1e-10


@pytest.mark.parametrize("name", ["mnist_mlp", "cifar_cnn"])
def test_float64_loss_and_gradients_on_cuda_equal_the_cpus(name):
    recipe = get_recipe(name)
    torch.manual_seed(0)
    cpu = build_backbone(recipe).double()
    cuda = build_backbone(recipe).double().cuda()
    cuda.load_state_dict(cpu.state_dict())
    cpu.eval(), cuda.eval()  # dropout off: the same function on both devices
    inputs = torch.rand(64, *recipe.input_shape, dtype=torch.float64)
    targets = torch.randint(0, recipe.output_units, (64,))
    loss = loss_function(recipe)
    gradients = {}
    for device, backbone in (("cpu", cpu), ("cuda", cuda)):
        value = loss(backbone(inputs.to(device)), targets.to(device))
        gradients[device] = [g.cpu() for g in torch.autograd.grad(value, list(backbone.parameters()))] + [value.detach().cpu()]
    worst = max(((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item() for a, b in zip(gradients["cuda"], gradients["cpu"]))
    print(f"{name}: float64 CUDA vs CPU, loss and gradients: max relative difference {worst:.2e} (tolerance {FLOAT64_TOLERANCE})")
    assert worst <= FLOAT64_TOLERANCE


def test_augmentation_on_cuda_equals_the_cpus():
    spec = get_recipe("cifar_cnn").augmentation
    images = torch.rand(16, 32, 32, 3)
    parameters = sample_parameters(spec, 16, 32, 32, generator=torch.Generator().manual_seed(0))
    on_cpu = apply_transform(images, parameters)
    on_cuda = apply_transform(images.cuda(), {key: value.cuda() for key, value in parameters.items()}).cpu()
    difference = (on_cuda - on_cpu).abs().max().item()
    print(f"augmented pixels, CUDA vs CPU: max difference {difference:.2e}")
    assert difference <= 1e-6  # float64 interpolation, rounded to float32 pixels


def test_default_mode_training_on_cuda_learns(tmp_path, data_dir):
    # One full epoch (1,875 steps): Keras's tutorial reaches ~95% test accuracy after it.
    result = train(tmp_path, "mnist_mlp", epochs=1, data_dir=str(data_dir), accelerator="gpu")
    assert result["accelerator"] == "cuda"
    assert result["test"]["accuracy"] >= 0.93, result["test"]
