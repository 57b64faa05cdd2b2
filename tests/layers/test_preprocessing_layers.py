"""The preprocessing and augmentation layers against live Keras, beyond the conformance rows:
the random layers' own outputs given the same draws (every mode, fill mode, interpolation and
fill value), the identity at inference in both frameworks, the Keras 3.15 behaviours the port
reproduces on purpose, and one-line refusals naming node, class and option."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lightning_port.evidence.conformance.layers import layer_cases
from lightning_port.evidence.parity.augmentation_draws import draw, inject_port, injected_keras_draws
from lightning_port.evidence.parity.keras_models import float64_twin
from lightning_port.evidence.parity.truth import compare
from lightning_port.layers.graph import nested_graph
from lightning_port.porting.reader import PortError, read_keras_file
from lightning_port.spec import (
    Article,
    Preprocessing,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    Recipe,
    ReportedResult,
    Resizing,
)

RANDOM_KINDS = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomCrop")


def _first_layer(case):
    """The layer a conformance case is about (its stack's first layer, or the one after the input)."""
    if isinstance(case.layers, tuple):
        return case.layers[0], case.input_shape
    graph = case.layers.graph
    return graph.layers[0], graph.inputs[0].shape


def _random_cases():
    cases = []
    for case in layer_cases():
        if case.group in RANDOM_KINDS:
            layer, shape = _first_layer(case)
            cases.append(pytest.param(layer, shape, id=f"{case.group}: {case.label}"))
    return cases


def _alone(layer, shape) -> Recipe:
    return Recipe(
        name="augmentation", description="one layer", article=Article("test", "lightning_port"), dataset="arrays", input_shape=shape,
        preprocessing=Preprocessing(), layers=(layer,), optimizer=None, loss=None, epochs=1, batch_size=8, parameter_count=0,
        reported=ReportedResult(), accuracy_target=0.0,
    )


def _images(shape, count=8, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 255.0, (count, *shape)).astype(np.float32)


@pytest.mark.parity
@pytest.mark.parametrize("layer,shape", _random_cases())
def test_augmentation_output_given_the_same_draws(layer, shape, keras_tensorflow, parity):
    """Same draws in, same images out: the float64 outputs are Keras's to 1e-10 (bit for bit,
    measured), the float32 ones within the float64-truth criterion."""
    from lightning_port.evidence.parity.keras_models import build_keras_model
    from lightning_port.evidence.parity.keras_probes import mirrored_backbone

    recipe = _alone(layer, tuple(shape))
    keras32 = build_keras_model(recipe)
    images = _images(shape)
    port32 = mirrored_backbone(recipe, keras32)
    draws = draw(port32, len(images), torch.Generator().manual_seed(7))
    outputs = {}

    def run(backbone, keras_model, inputs, suffix):
        backbone.train()
        inject_port(backbone, draws)
        with torch.no_grad():
            outputs[f"port{suffix}"] = {"images": backbone(torch.from_numpy(inputs)).double().numpy()}
        with injected_keras_draws(backbone, keras_model) as set_draws:
            set_draws(draws)
            outputs[f"keras{suffix}"] = {"images": np.asarray(keras_model(inputs, training=True), dtype=np.float64)}

    run(port32, keras32, images, "32")
    with float64_twin(keras32, recipe) as keras64:
        run(mirrored_backbone(recipe, keras64), keras64, images.astype(np.float64), "64")
    comparison = compare(*(outputs[key] for key in ("port32", "keras32", "port64", "keras64")))
    moved = float(np.abs(outputs["keras64"]["images"].reshape(len(images), -1)[:, :5] - images.reshape(len(images), -1)[:, :5]).max()) if outputs["keras64"]["images"].shape == images.shape else float("inf")
    entry = parity.record_truth(f"augmentation: {layer.keras_class} {layer.config()}: output given the same draws", "augmentation", comparison, detail=f"{len(images)} images {tuple(shape)}")
    assert comparison.float64_difference <= 1e-10 and entry.passed, entry.line()
    assert moved > 0 or layer.keras_class == "RandomCrop"  # the draws really changed the images


@pytest.mark.parity
@pytest.mark.parametrize("layer,shape", _random_cases()[:1] + [pytest.param(RandomCrop(3, 4), (6, 7, 2), id="RandomCrop"), pytest.param(RandomContrast(0.3), (4, 5, 3), id="RandomContrast")])
def test_random_layers_are_the_identity_at_inference(layer, shape, keras_tensorflow):
    """Keras's predict() returns the input unchanged (RandomCrop's too, uncropped: Keras 3.15's
    code, whatever its documentation says); so does the port in eval mode."""
    from lightning_port.evidence.parity.keras_models import build_keras_model
    from lightning_port.models import build_backbone

    recipe = _alone(layer, tuple(shape))
    images = _images(shape)
    keras_outputs = build_keras_model(recipe).predict(images, verbose=0)
    backbone = build_backbone(recipe).eval()
    with torch.no_grad():
        port_outputs = backbone(torch.from_numpy(images)).numpy()
    assert np.array_equal(keras_outputs, images) and np.array_equal(port_outputs, images)


def test_keras_rules_reproduced_on_purpose(keras_tensorflow):
    """Keras 3.15's own behaviour, kept: RandomContrast(f) draws factors in [1, 1 + f] (its
    saved factor is (0, f)); "horizontal_and_vertical" flips both ways with one decision."""
    assert RandomContrast(0.2).factor == (0.0, 0.2) and tuple(keras_tensorflow.layers.RandomContrast(0.2).factor) == (0, 0.2)
    module = RandomFlip().build((3, 4, 1), None)
    images = torch.arange(24.0).reshape(2, 3, 4, 1)
    flipped = module.apply(images, [torch.tensor([0.2, 0.9]).reshape(2, 1, 1, 1)])
    assert torch.equal(flipped[0], images[0].flip(0).flip(1)) and torch.equal(flipped[1], images[1])


def test_area_resize_refuses_a_backward_pass():
    """TensorFlow registers no gradient for ResizeArea: Keras cannot train through it, nor can the port."""
    module = Resizing(2, 3, "area").build((5, 6, 1), None)
    images = torch.rand(1, 5, 6, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match="no gradient for ResizeArea"):
        module(images).sum().backward()


def _saved(keras, tmp_path, layers, input_shape, dtype="float32", name="model"):
    model = keras.Sequential([keras.Input(input_shape, dtype=dtype), *layers])
    path = tmp_path / f"{name}.keras"
    model.save(path)
    return path


def _refusal(path) -> str:
    with pytest.raises(PortError) as refused:
        read_keras_file(path)
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_refusals_name_node_class_and_option(keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    cases = {
        "resizing_reflect": ([keras.layers.Resizing(4, 4, fill_mode="reflect", name="resize")], (6, 6, 1), ("'resize'", "Resizing", "fill_mode='reflect'")),
        "lookup_farmhash": ([keras.layers.IntegerLookup(vocabulary=[3, 7], num_oov_indices=2, oov_method="farmhash", name="lookup")], (2,), ("'lookup'", "IntegerLookup", "oov_method='farmhash'")),
    }
    adapted = keras.layers.IntegerLookup(name="adapted")
    adapted.adapt(np.array([[1, 2], [2, 5]]))
    cases["lookup_adapted"] = ([adapted], (2,), ("'adapted'", "IntegerLookup", "no vocabulary in its config"))
    for name, (layers, shape, expected) in cases.items():
        message = _refusal(_saved(keras, tmp_path, layers, shape, name=name))
        assert all(part in message for part in expected), message


def test_image_layers_refuse_an_image_of_unknown_size(keras_tensorflow, tmp_path):
    """Inputs may leave an axis unknown (Input(shape=(None, None, 3))); the image layers compute
    coordinates, crops and resampling weights from the image's size, so they need it."""
    keras = keras_tensorflow
    for layer in (keras.layers.Resizing(4, 4, name="resize"), keras.layers.RandomFlip(name="flip"), keras.layers.RandomCrop(2, 2, name="crop")):
        model = [layer, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)]
        message = _refusal(_saved(keras, tmp_path, model, (None, None, 3), name=layer.name))
        assert f"'{layer.name}'" in message and "unknown height or width" in message and "give keras.Input the image's size" in message, message


def test_string_layers_are_refused_with_the_fix(keras_tensorflow, tmp_path):
    """TextVectorization, StringLookup and Hashing cannot live in a torch graph: one line naming
    the node and class, and how to port the model from its first numeric layer on."""
    keras = keras_tensorflow
    models = {
        "text": ([keras.layers.TextVectorization(max_tokens=20, output_sequence_length=4, vocabulary=["a", "b"], name="vectorize")], (1,), "string", ("'vectorize'", "TextVectorization")),
        "strings": ([keras.layers.StringLookup(vocabulary=["a", "b"], name="lookup")], (2,), "string", ("'lookup'", "StringLookup")),
        "hashing": ([keras.layers.Hashing(num_bins=4, name="hash")], (2,), "int64", ("'hash'", "Hashing")),
    }
    for name, (layers, shape, dtype, expected) in models.items():
        message = _refusal(_saved(keras, tmp_path, layers, shape, dtype=dtype, name=name))
        assert all(part in message for part in expected), message
        assert "vectorize outside the model" in message and "first numeric layer" in message, message


def test_functional_model_with_a_string_input_names_the_string_layer(keras_tensorflow, tmp_path):
    keras = keras_tensorflow
    text = keras.Input((1,), dtype="string", name="text")
    numbers = keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot", name="lookup")(text)
    model = keras.Model(text, keras.layers.Dense(2)(numbers))
    path = tmp_path / "functional_strings.keras"
    model.save(path)
    message = _refusal(path)
    assert "'lookup'" in message and "StringLookup" in message, message


def test_nested_preprocessing_blocks_are_walked(keras_tensorflow):
    """The random layers of a nested block are found (graph walk) for injection and seeding."""
    from tests.parity.augmentation_convnet import RECIPE

    block = RECIPE.graph.layers[0]
    assert nested_graph(block) is not None and [layer.keras_class for layer in nested_graph(block).layers] == ["RandomFlip", "RandomRotation", "RandomZoom"]
