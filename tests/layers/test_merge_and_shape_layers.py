"""The merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and
the shape layers (Identity, Permute, RepeatVector, Cropping2D, UpSampling2D): Keras's shape
rules (what it accepts, with the same output shapes, and what it refuses), TensorFlow's
bilinear kernel reproduced bit for bit, saved Keras models using every kind ported with every
parity row passing, and each option the port cannot reproduce refused in one line naming the
node, its class and the option."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lightning_port import spec as L
from lightning_port.layers.config import UnsupportedLayer
from lightning_port.layers.keras_graph import model_graph, read_layer
from lightning_port.ops.windows import LayerShapeError

# (kind, arguments, input shapes without the batch axis), each accepted or refused by Keras.
SHAPE_CASES = [
    ("Add", {}, [(5,), (5,)]),
    ("Add", {}, [(3, 4), (1, 4)]),
    ("Add", {}, [(3, 4), (4,)]),
    ("Add", {}, [(2, 1, 4), (3, 1)]),
    ("Add", {}, [(3, 4), (3,)]),
    ("Add", {}, [(5,), (4,)]),
    ("Multiply", {}, [(2, 3, 4), (3, 1), (4,)]),
    ("Average", {}, [(3, 4), (2, 4)]),
    ("Maximum", {}, [(1,), (3, 4)]),
    ("Subtract", {}, [(4,), (4,), (4,)]),
    ("Subtract", {}, [(4,), (1,)]),
    ("Concatenate", {"axis": -1}, [(5,), (3,)]),
    ("Concatenate", {"axis": 1}, [(3, 4), (2, 4)]),
    ("Concatenate", {"axis": 1}, [(3, 4), (2, 5)]),
    ("Concatenate", {"axis": -3}, [(2, 3, 4), (4, 3, 4)]),
    ("Concatenate", {"axis": 2}, [(3, 4), (3,)]),
    ("Concatenate", {"axis": 3}, [(3, 4), (3, 4)]),
    ("Dot", {"axes": 1}, [(5,), (5,)]),
    ("Dot", {"axes": (1, 2)}, [(3, 5), (4, 3)]),
    ("Dot", {"axes": (1, 2)}, [(3, 5), (4, 4)]),
    ("Dot", {"axes": -1}, [(3, 4), (5, 4)]),
    ("Dot", {"axes": (3, 1)}, [(2, 3, 4), (4, 5)]),
    ("Dot", {"axes": (2, 1)}, [(3, 4), (4, 2, 5)]),
    ("Dot", {"axes": (1, 2)}, [(4,), (3, 4)]),
    ("Dot", {"axes": (-1, -2)}, [(3, 4), (4, 2)]),
    ("Dot", {"axes": (-3, -2)}, [(3, 4), (4, 2)]),
    ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4)),
    ("Permute", {"dims": (2, 1)}, (2, 3, 4)),
    ("RepeatVector", {"n": 3}, (4,)),
    ("RepeatVector", {"n": 3}, (2, 4)),
    ("Cropping2D", {"cropping": ((1, 2), (0, 3))}, (6, 7, 2)),
    ("Cropping2D", {"cropping": (3, 1)}, (6, 7, 2)),
    ("UpSampling2D", {"size": (3, 2), "interpolation": "bilinear"}, (2, 3, 2)),
    ("Identity", {}, (2, 3)),
]


def _keras_shape(keras, kind: str, arguments: dict, shapes):
    """Keras's output shape (batch axis left out), or None where Keras refuses the call."""
    layer = getattr(keras.layers, kind)(**arguments)
    inputs = [keras.Input(shape) for shape in shapes] if isinstance(shapes, list) else keras.Input(shapes)
    try:
        return tuple(layer(inputs).shape[1:])
    except (ValueError, IndexError):
        return None


def _port_shape(kind: str, arguments: dict, shapes):
    try:
        return tuple(getattr(L, kind)(**arguments).output_shape(shapes))
    except LayerShapeError:
        return None


@pytest.mark.parametrize(("kind", "arguments", "shapes"), SHAPE_CASES, ids=[f"{kind}{arguments}{shapes}" for kind, arguments, shapes in SHAPE_CASES])
def test_shapes_keras_accepts_and_refuses(kind, arguments, shapes, keras_tensorflow):
    assert _port_shape(kind, arguments, shapes) == _keras_shape(keras_tensorflow, kind, arguments, shapes)


def test_a_refused_call_gives_keras_reason_naming_the_node():
    first, second = L.Input((5,)), L.Input((4,))
    with pytest.raises(LayerShapeError, match=r"node 'sum' \(Add\): Inputs have incompatible shapes. Received shapes \(5,\) and \(4,\)"):
        L.Add(name="sum")([first, second])
    with pytest.raises(LayerShapeError, match=r"A `Subtract` layer should be called on exactly 2 inputs"):
        L.Subtract()([first, first, first])
    with pytest.raises(LayerShapeError, match=r"Incompatible input shapes: axis values 5 \(at axis 1\) != 4 \(at axis 1\)"):
        L.Dot(1)([first, second])
    with pytest.raises(TypeError, match="Add is called on a list of tensors"):
        L.Add()(first)


@pytest.mark.parametrize("method", ["bilinear", "bicubic"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_up_sampling_is_tensorflows_resize_kernel_bit_for_bit(method, dtype, keras_tensorflow):
    """Forward and gradient, float32 and float64 (TensorFlow interpolates in float32 in both)."""
    import tensorflow as tf

    from lightning_port.layers.kinds.image_resize import TensorFlowResize

    generator = np.random.default_rng(0)
    numpy_dtype = np.float32 if dtype == torch.float32 else np.float64
    for size, shape in (((2, 2), (2, 3, 3, 2)), ((3, 2), (2, 2, 3, 3)), ((5, 7), (1, 4, 3, 1)), ((3, 5), (1, 9, 7, 2))):
        images = generator.standard_normal(shape).astype(numpy_dtype)
        output_shape = (shape[0], shape[1] * size[0], shape[2] * size[1], shape[3])
        weights = generator.standard_normal(output_shape).astype(numpy_dtype)
        tensor = tf.constant(images)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            resized = tf.cast(tf.image.resize(tensor, output_shape[1:3], method=method), tensor.dtype)
            objective = tf.reduce_sum(resized * weights)
        expected_gradient = tape.gradient(objective, tensor).numpy()
        module = TensorFlowResize(shape[1:], size, method).to(dtype)
        inputs = torch.tensor(images, requires_grad=True)
        output = module(inputs)
        (output * torch.tensor(weights)).sum().backward()
        assert output.dtype == dtype
        assert np.array_equal(output.detach().numpy(), resized.numpy())
        assert np.array_equal(inputs.grad.numpy(), expected_gradient)


def _entry(keras, layer) -> dict:
    return {"class_name": type(layer).__name__, "name": layer.name, "config": layer.get_config()}


def _assert_one_line_refusal(error, *parts):
    message = str(error.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, message


def test_options_the_port_cannot_reproduce_are_refused_in_one_line(keras_tensorflow):
    keras = keras_tensorflow
    layers = keras.layers
    for interpolation in ("area", "lanczos3", "lanczos5", "gaussian"):
        with pytest.raises(UnsupportedLayer) as error:
            read_layer(_entry(keras, layers.UpSampling2D(interpolation=interpolation, name="up")))
        _assert_one_line_refusal(error, "node 'up' (UpSampling2D)", f"interpolation='{interpolation}'")
    for layer in (layers.UpSampling2D(data_format="channels_first", name="up"), layers.Cropping2D(1, data_format="channels_first", name="crop")):
        with pytest.raises(UnsupportedLayer) as error:
            read_layer(_entry(keras, layer))
        _assert_one_line_refusal(error, f"node '{layer.name}' ({type(layer).__name__})", "data_format='channels_first'")
    with pytest.raises(UnsupportedLayer) as error:
        read_layer(_entry(keras, layers.Concatenate(axis=0, name="join")))
    _assert_one_line_refusal(error, "node 'join' (Concatenate)", "axis=0", "batch axis")
    with pytest.raises(UnsupportedLayer) as error:
        read_layer(_entry(keras, layers.Add(dtype="mixed_float16", name="sum")))
    _assert_one_line_refusal(error, "node 'sum' (Add)", "dtype policy 'mixed_float16'")


def _functional_refusal(keras, build):
    inputs = [keras.Input((3, 4)), keras.Input((3, 4))]
    model = keras.Model(inputs, build(inputs))
    with pytest.raises(UnsupportedLayer) as error:
        model_graph("Functional", model.get_config())
    return error


def test_calls_on_the_batch_axis_or_on_a_list_are_refused_naming_the_node(keras_tensorflow):
    keras = keras_tensorflow
    layers = keras.layers
    error = _functional_refusal(keras, lambda inputs: layers.Concatenate(axis=-3, name="join")(inputs))
    _assert_one_line_refusal(error, "node 'join' (Concatenate)", "axis -3 is the batch axis")
    error = _functional_refusal(keras, lambda inputs: layers.Dot(axes=(0, 0), name="product")(inputs))
    _assert_one_line_refusal(error, "node 'product' (Dot)", "batch_dot over axis 0")
    error = _functional_refusal(keras, lambda inputs: layers.Add()(layers.Identity(name="same")(inputs)))
    _assert_one_line_refusal(error, "node 'same' (Identity)", "Identity is called on one tensor")


def test_cropping_spellings_are_one_spec():
    assert L.Cropping2D(2) == L.Cropping2D((2, 2)) == L.Cropping2D(((2, 2), (2, 2))) == L.Cropping2D((2, (2, 2)))
    assert L.Cropping2D((1, 3)).cropping == ((1, 1), (3, 3))


def _merge_model(keras):
    layers = keras.layers
    features, sequence = keras.Input((6,), name="features"), keras.Input((3, 4), name="sequence")
    vector, rows = layers.Dense(4)(features), layers.Dense(4, activation="relu")(sequence)
    total = layers.Add()([vector, rows])  # (4,) gains an axis after the batch axis
    difference = layers.Subtract()([rows, total])
    product = layers.Multiply()([total, difference])
    mean = layers.Average()([total, difference, product])
    high, low = layers.Maximum()([mean, rows]), layers.Minimum()([mean, rows])
    joined = layers.Concatenate(axis=1)([high, low])  # (6, 4)
    similarity = layers.Dot(axes=(2, 2), normalize=True)([joined, rows])  # (6, 3)
    scores = layers.Dot(axes=1)([layers.Dense(3)(features), layers.Dense(3)(features)])  # (1,)
    flat = layers.Concatenate()([layers.Flatten()(similarity), scores])
    return keras.Model([features, sequence], layers.Dense(2)(flat))


def _shape_model(keras):
    layers = keras.layers
    images = keras.Input((5, 6, 2))
    x = layers.Dense(3)(images)
    x = layers.Cropping2D(((1, 0), (1, 2)))(x)  # (4, 3, 3)
    x = layers.UpSampling2D((3, 2), interpolation="bilinear")(x)  # (12, 6, 3)
    x = layers.UpSampling2D((1, 2))(x)  # (12, 12, 3)
    x = layers.UpSampling2D((2, 1), interpolation="bicubic")(x)  # (24, 12, 3)
    x = layers.Permute((3, 1, 2))(x)  # (3, 24, 12)
    x = layers.Identity()(x)
    x = layers.Dense(4, activation="tanh")(layers.Flatten()(x))
    x = layers.RepeatVector(2)(x)  # (2, 4)
    return keras.Model(images, layers.Dense(3, activation="softmax")(layers.Flatten()(x)))


@pytest.mark.parity
@pytest.mark.parametrize("build", [_merge_model, _shape_model], ids=["merge layers, two inputs", "shape layers"])
def test_a_saved_keras_model_using_the_layers_ports_with_every_parity_row_passing(build, keras_tensorflow, tmp_path):
    from lightning_port.porting.port import port_model

    keras = keras_tensorflow
    keras.utils.set_random_seed(0)
    model = build(keras)
    loss = "categorical_crossentropy" if model.output_shape[-1] == 3 else "mse"
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    model.save(tmp_path / "model.keras")
    report = port_model(tmp_path / "model.keras", tmp_path / "ported", samples=64)
    assert not report["architecture"]["differences"]
    rows = {row["quantity"]: row for row in report["parity"]}
    assert {"forward outputs", "gradients"} <= set(rows) and all(row["passed"] for row in rows.values()), rows
    assert report["passed"]
