"""Conv2DTranspose, DepthwiseConv2D and SeparableConv2D through the whole port: small Keras
models saved with model.save() port with every parity row passing; Keras weights loaded into
the port give Keras's outputs (judged against the float64 truth) and the port's weights,
exported, give the port's outputs in Keras; the options the port refuses are refused in one
line naming the node, its class and the option, each for a reason the installed Keras or
TensorFlow shows here; fresh weights span Keras's initializer ranges. (Every configuration's
own rows: tests/porting/test_conformance.py.)"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from lightning_port.evidence.parity.keras_models import float64_twin
from lightning_port.evidence.parity.truth import compare
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.kinds.conv2d_transpose import Conv2DTranspose
from lightning_port.layers.kinds.depthwise_conv2d import DepthwiseConv2D
from lightning_port.layers.kinds.separable_conv2d import SeparableConv2D
from lightning_port.layers.keras_graph import read_layer
from lightning_port.layers.registry import layer_kinds
from lightning_port.models import build_backbone
from lightning_port.models.keras_weights import export_keras_weights, load_keras_weights
from lightning_port.porting.port import port_model
from lightning_port.porting.reader import PortError, read_keras_file

pytestmark = pytest.mark.parity


def _transpose_model(keras):
    return keras.Sequential([
        keras.Input((5, 4, 2)),
        keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1, activation="relu", name="up"),
        keras.layers.Conv2DTranspose(2, 2, strides=(2, 1), name="up_again"),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ], name="transpose")


def _depthwise_model(keras):
    return keras.Sequential([
        keras.Input((7, 8, 3)),
        keras.layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu", name="depthwise"),
        keras.layers.DepthwiseConv2D(2, dilation_rate=2, use_bias=False, name="dilated"),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ], name="depthwise")


def _separable_model(keras):
    return keras.Sequential([
        keras.Input((8, 9, 3)),
        keras.layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, activation="relu", name="separable"),
        keras.layers.SeparableConv2D(3, 2, strides=(2, 1), dilation_rate=(1, 2), name="strided_dilated"),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ], name="separable")


MODELS = {"transpose": _transpose_model, "depthwise": _depthwise_model, "separable": _separable_model}


@pytest.fixture(scope="module")
def saved(keras_tensorflow, tmp_path_factory):
    """Each model compiled and saved, its weights drawn at random (biases too: Keras's zero
    biases would hide a bias laid out wrongly)."""
    keras = keras_tensorflow
    folder = tmp_path_factory.mktemp("variants")
    rng = np.random.default_rng(0)
    paths = {}
    for name, make in MODELS.items():
        keras.utils.set_random_seed(0)
        model = make(keras)
        model.set_weights([rng.normal(0.0, 0.4, weight.shape).astype(np.float32) for weight in model.get_weights()])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
        paths[name] = folder / f"{name}.keras"
        model.save(paths[name])
    return paths


def _inputs(recipe, count=32):
    return np.random.default_rng(1).normal(size=(count, *recipe.input_shape)).astype(np.float32)


def _port_outputs(backbone, inputs):
    with torch.no_grad():
        return backbone.eval().probabilities(backbone(torch.from_numpy(inputs))).double().numpy()


def _judged(keras_model, recipe, backbone32, inputs):
    """The port's and Keras's float32 outputs against the float64 truth, both frameworks holding
    the same weights (the port's float64 twin loaded from Keras's)."""
    outputs = {"port32": _port_outputs(backbone32, inputs), "keras32": keras_model.predict(inputs, verbose=0)}
    with float64_twin(keras_model, recipe) as twin:
        outputs["keras64"] = twin.predict(inputs.astype(np.float64), verbose=0)
        backbone64 = build_backbone(recipe).double()
        load_keras_weights(backbone64, twin.get_weights())
        outputs["port64"] = _port_outputs(backbone64, inputs.astype(np.float64))
    return compare(*({"outputs": outputs[key]} for key in ("port32", "keras32", "port64", "keras64")))


@pytest.mark.parametrize("name", MODELS)
def test_weights_cross_both_ways(name, saved, parity):
    read = read_keras_file(saved[name])
    keras_model, recipe = read.keras_model, read.recipe
    inputs = _inputs(recipe)

    backbone = build_backbone(recipe)
    load_keras_weights(backbone, keras_model.get_weights())
    comparison = _judged(keras_model, recipe, backbone, inputs)
    entry = parity.record_truth("convolution variants: Keras weights in the port, outputs", name, comparison, detail=f"{len(inputs)} samples")
    assert comparison.float64_agrees and entry.passed, entry.line()
    assert all(np.array_equal(exported, original) for exported, original in zip(export_keras_weights(backbone), keras_model.get_weights(), strict=True))

    # Port -> Keras: weights changed on the torch side, exported into the live Keras model.
    with torch.no_grad():
        for parameter in backbone.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    keras_model.set_weights(export_keras_weights(backbone))
    comparison = _judged(keras_model, recipe, backbone, inputs)
    entry = parity.record_truth("convolution variants: port weights in Keras, outputs", name, comparison, detail=f"{len(inputs)} samples")
    assert comparison.float64_agrees and entry.passed, entry.line()


@pytest.mark.parametrize("name", MODELS)
def test_a_saved_model_ports(name, saved, tmp_path):
    report = port_model(saved[name], tmp_path / "out", samples=64)
    assert not report["architecture"]["differences"], report["architecture"]["differences"]
    measured = {row["quantity"]: row["passed"] for row in report["parity"]}
    assert set(measured) >= {"forward outputs", "gradients"} and all(measured.values()), report["parity"]
    assert report["passed"]


# (layer, the initializer of each kernel, by its Keras name)
INITIALIZED = [
    (DepthwiseConv2D((3, 3), depth_multiplier=2, depthwise_initializer="he_uniform"), {"kernel": "he_uniform"}),
    (
        SeparableConv2D(8, (3, 3), depth_multiplier=2, depthwise_initializer="lecun_uniform", pointwise_initializer="he_uniform"),
        {"depthwise_kernel": "lecun_uniform", "pointwise_kernel": "he_uniform"},
    ),
    (Conv2DTranspose(8, (3, 2), kernel_initializer="he_uniform"), {"kernel": "he_uniform"}),
    (Conv2DTranspose(8, (3, 3)), {"kernel": "glorot_uniform"}),
]


@pytest.mark.parametrize("layer, initializers", INITIALIZED, ids=[f"{layer.keras_class} {layer.kernel_size}" for layer, _ in INITIALIZED])
def test_initializers_draw_within_keras_limits(layer, initializers):
    """Fresh weights, in Keras's layout, span the range Keras's fans give (compute_fans on
    (kh, kw, in, out)); torch's rule on the grouped depthwise layout would give other fans, a
    range several times wider."""
    torch.manual_seed(0)
    module = layer.build((9, 9, 16), None)
    with torch.no_grad():
        layer.initialize(module)
    parameters = dict(module.named_parameters())
    for row in layer.weights():
        weight = row.translation.to_keras(parameters[row.torch].detach().numpy())
        if row.keras == "bias":
            assert not weight.any()
            continue
        receptive = int(np.prod(weight.shape[:-2]))
        fan_in, fan_out = weight.shape[-2] * receptive, weight.shape[-1] * receptive
        limit = {"he_uniform": (6 / fan_in) ** 0.5, "lecun_uniform": (3 / fan_in) ** 0.5, "glorot_uniform": (6 / (fan_in + fan_out)) ** 0.5}[initializers[row.keras]]
        assert 0.9 * limit < np.abs(weight).max() <= limit, row.keras


# (layer, its options, how Keras or TensorFlow refuses them: "constructor" or "float64 call" /
# "call" on the CPU, the option the refusal names)
REFUSED = [
    ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 3), "strides": (2, 2), "dilation_rate": (2, 2)}, "constructor", "dilation_rate=(2, 2) with strides=(2, 2)"),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 3), "strides": (2, 2), "output_padding": (2, 2)}, "constructor", "output_padding=(2, 2)"),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": (2, 1)}, "float64 call", "dilation_rate=(2, 1)"),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same", "output_padding": 0}, "call", "output_padding=(0, 0) with padding 'same'"),
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": (2, 1)}, "float64 call", "strides=(2, 1)"),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "strides": (1, 2), "padding": "same"}, "float64 call", "strides=(1, 2)"),
]


@pytest.mark.parametrize("keras_class, options, refused_by, named", REFUSED, ids=[f"{row[0]} {row[3]}" for row in REFUSED])
def test_a_refused_option_is_one_line_naming_node_class_and_option(keras_class, options, refused_by, named, keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    if refused_by == "constructor":
        with pytest.raises(ValueError):
            getattr(keras.layers, keras_class)(**options)
        # Keras cannot save such a layer: the config as a hand-edited file would hold it.
        config = getattr(keras.layers, keras_class)(**{key: value for key, value in options.items() if key not in ("dilation_rate", "output_padding")}).get_config()
        config.update({key: list(value) if isinstance(value, tuple) else value for key, value in options.items()}, name="refused")  # as JSON stores it
        with pytest.raises(UnsupportedLayer) as refusal:
            read_layer({"class_name": keras_class, "config": config, "name": "refused"})
        line = str(refusal.value)
    else:
        keras.Sequential([keras.Input((6, 6, 2)), getattr(keras.layers, keras_class)(**options, name="refused"), keras.layers.Flatten(), keras.layers.Dense(1)]).save(tmp_path / "refused.keras")
        with pytest.raises(PortError) as refusal:
            read_keras_file(tmp_path / "refused.keras")
        line = str(refusal.value)
        # TensorFlow refuses it here too, in the words the port's line quotes (where it quotes).
        dtype = "float64" if refused_by == "float64 call" else "float32"
        quoted = re.search(r'\("(.+?)"\)', line)
        with pytest.raises(Exception, match=re.escape(quoted.group(1)) if quoted else None):
            getattr(keras.layers, keras_class)(**options, dtype=dtype)(np.ones((1, 6, 6, 2), dtype=dtype))
        assert quoted or refused_by == "call"
    assert "\n" not in line and f"node 'refused' ({keras_class}): option {named}" in line, line
    # The recipe's spec refuses the same options where it is written.
    with pytest.raises(UnsupportedLayer, match=re.escape(f"{keras_class}: option {named}")):
        layer_kinds()[keras_class](**options)
