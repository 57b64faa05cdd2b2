import pytest
import torch

from lightning_port.models import build_backbone
from lightning_port.models.keras_weights import weight_plan
from lightning_port.registry import get_recipe, model_names


@pytest.mark.parametrize("name", model_names())
def test_backbone_parameter_count_and_output_shape(name):
    recipe = get_recipe(name)
    backbone = build_backbone(recipe)
    assert sum(p.numel() for p in backbone.parameters()) == recipe.parameter_count
    logits = backbone(torch.zeros(3, *backbone.input_shape))
    assert logits.shape == (3, *recipe.output_shapes[0])  # the whole output shape (the autoencoder's is an image)


@pytest.mark.parametrize("name", model_names())
def test_submodules_are_named_after_the_keras_layers(name):
    recipe = get_recipe(name)
    backbone = build_backbone(recipe)
    for entry in weight_plan(backbone):
        # The layer's path: the Keras path less the weight's own path inside the layer
        # (``lstm/lstm_cell/kernel``: layer ``lstm``, weight ``lstm_cell/kernel``).
        layer_path = entry.keras_path[: -len(entry.row.keras) - 1]
        assert entry.torch_key.startswith(f"{layer_path.replace('/', '.')}."), entry
        assert entry.torch_key in backbone.state_dict()


@pytest.mark.parametrize("name", model_names())
def test_keras_default_initialization(name):
    """glorot_uniform kernels within +-sqrt(6 / (fan_in + fan_out)), zero biases; a recurrent
    layer's recurrent kernel orthogonal (Keras's layout: orthonormal rows), an LSTM's forget-gate
    bias 1 (unit_forget_bias)."""
    torch.manual_seed(0)
    state = build_backbone(get_recipe(name)).state_dict()
    for entry in weight_plan(build_backbone(get_recipe(name))):
        tensor = state[entry.torch_key]
        weight = entry.row.keras.rsplit("/", 1)[-1]
        if weight == "bias":
            units = getattr(entry.layer, "units", 0)
            forget = slice(units, 2 * units) if getattr(entry.layer, "unit_forget_bias", False) else slice(0, 0)
            assert torch.all(tensor[forget] == 1)
            assert torch.count_nonzero(tensor) == tensor[forget].numel()
            continue
        if weight == "recurrent_kernel":
            keras_layout = torch.from_numpy(entry.row.translation.to_keras(tensor.numpy())).double()
            assert torch.allclose(keras_layout @ keras_layout.T, torch.eye(len(keras_layout), dtype=torch.float64), atol=1e-5)
            continue
        receptive = tensor[0, 0].numel() if tensor.dim() == 4 else 1
        fan_in, fan_out = tensor.shape[1] * receptive, tensor.shape[0] * receptive
        limit = (6.0 / (fan_in + fan_out)) ** 0.5
        assert tensor.abs().max() <= limit
        assert tensor.abs().max() > 0.9 * limit  # uses the range, not a narrower one


def test_forward_returns_logits_and_probabilities_apply_the_output_activation():
    backbone = build_backbone(get_recipe("mnist_mlp_rmsprop"))
    inputs = torch.rand(4, 784)
    logits = backbone(inputs)
    assert not torch.allclose(logits.sum(1), torch.ones(4))
    assert torch.allclose(backbone.probabilities(logits).sum(1), torch.ones(4))
    sigmoid_backbone = build_backbone(get_recipe("pima_mlp"))
    probabilities = sigmoid_backbone.probabilities(sigmoid_backbone(torch.rand(4, 8)))
    assert ((probabilities > 0) & (probabilities < 1)).all()
