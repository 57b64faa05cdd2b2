import pytest
import torch

from lightning_port.models import build_backbone
from lightning_port.registry import get_recipe, model_names


@pytest.mark.parametrize("name", model_names())
def test_backbone_parameter_count_and_output_shape(name):
    recipe = get_recipe(name)
    backbone = build_backbone(recipe)
    assert sum(p.numel() for p in backbone.parameters()) == recipe.parameter_count
    logits = backbone(torch.zeros(3, *backbone.input_shape))
    assert logits.shape == (3, recipe.summary()[-1].output_shape[0])


@pytest.mark.parametrize("name", model_names())
def test_keras_default_initialization(name):
    """glorot_uniform kernels within +-sqrt(6 / (fan_in + fan_out)), zero biases."""
    torch.manual_seed(0)
    for layer in build_backbone(get_recipe(name)).weighted_layers():
        weight = layer.module.weight
        receptive = weight[0, 0].numel() if weight.dim() == 4 else 1
        fan_in, fan_out = weight.shape[1] * receptive, weight.shape[0] * receptive
        limit = (6.0 / (fan_in + fan_out)) ** 0.5
        assert weight.abs().max() <= limit
        assert weight.abs().max() > 0.9 * limit  # uses the range, not a narrower one
        assert torch.count_nonzero(layer.module.bias) == 0


def test_forward_returns_logits_and_probabilities_apply_the_output_activation():
    backbone = build_backbone(get_recipe("mnist_mlp_rmsprop"))
    inputs = torch.rand(4, 784)
    logits = backbone(inputs)
    assert not torch.allclose(logits.sum(1), torch.ones(4))
    assert torch.allclose(backbone.probabilities(logits).sum(1), torch.ones(4))
    sigmoid_backbone = build_backbone(get_recipe("pima_mlp"))
    probabilities = sigmoid_backbone.probabilities(sigmoid_backbone(torch.rand(4, 8)))
    assert ((probabilities > 0) & (probabilities < 1)).all()
