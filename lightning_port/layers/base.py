"""A Keras layer kind: the unit this package is extended by.

Everything the port knows about one kind of Keras layer lives in its own module under
``layers/kinds/``, in one class derived from ``LayerKind``:

- the spec: a frozen dataclass whose fields are Keras's ``get_config()`` keys with Keras's
  defaults, so a recipe reads like Keras code (``Dense(64, activation="relu")``) and a Keras
  config is read into it field by field;
- its shapes and weight count in Keras's convention (channels last, batch axis left out);
- ``build()``: the torch module that computes it, on Keras's own tensor layout;
- ``weights()``: its weight table (Keras variable, torch tensor, the translation between them);
- reading its Keras config (``from_keras``: strict, refusing any option it cannot reproduce in
  one line) and the arguments that build the live Keras layer (``keras_arguments``);
- ``conformance_cases()``: the configurations the conformance table measures against Keras.

``layers.registry`` discovers every kind in ``layers/kinds``; the backbone, the weight table,
the reader and writer, the architecture rows and the conformance table find kinds there and
nowhere else. A layer is also callable on symbolic tensors, as in Keras's Functional API
(``layers.graph``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, ClassVar

from lightning_port.layers.emit import CHANNELS_LAST, EmitContext, Emitted, NotExportable
from lightning_port.layers.translation import Translation
from lightning_port.ops.windows import LayerShapeError

if TYPE_CHECKING:
    from torch import nn

Shape = tuple[int, ...]
# Keras's activation functions by name (keras.activations); ``None`` is "linear". Not "glu":
# it halves the last axis, which Keras's Sequential shape inference does not account for (the
# next layer is built for the unhalved width), so a Sequential model cannot use it consistently.
ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
)
# Initializers a recipe may name (with Keras's default arguments); others are refused.
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "zeros", "ones", "uniform", "random_uniform", "random_normal", "truncated_normal", "orthogonal",
)
# The order layers, inputs and calls are made in: Keras names unnamed layers and numbers a
# layer's calls in it (layers.graph).
CREATION = itertools.count()


@dataclass(frozen=True)
class WeightRow:
    """One weight of a layer kind: its name in Keras (the variable's path inside the layer, in
    Keras's ``layer.weights`` order), the tensor's attribute path in the torch module, and how
    one becomes the other."""

    keras: str
    torch: str
    translation: Translation
    trainable: bool = True  # in Keras's trainable_weights (moving statistics are not)


class BuildContext:
    """What ``build`` may ask of the backbone being built: the module of a nested model."""

    def submodel(self, layer: LayerKind, input_shape) -> nn.Module:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class LayerKind:
    """Base of every layer kind (see the module docstring). A kind that keeps its input's shape
    and has no weights needs to override nothing but ``build``."""

    # Keras's layer name; None: named as Keras names it (``dense``, ``dense_1``, ...).
    name: str | None = field(default=None, kw_only=True)

    keras_class: ClassVar[str] = ""
    # Called on a list of tensors (the merge layers), not on one tensor.
    takes_list: ClassVar[bool] = False
    # The arguments a spec (like Keras) cannot do without, with ordinary values: what the
    # tests build the default layer with.
    example_arguments: ClassVar[dict] = {}
    # Arguments Keras lets a layer leave out (adapt() fills them) but the port refuses without:
    # the example passes them too.
    needed_arguments: ClassVar[tuple[str, ...]] = ()

    # Fields Keras takes as an int or a pair and stores as a pair (kernel_size=3 is (3, 3)).
    pair_fields: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self):
        for name in self.pair_fields:
            value = getattr(self, name)
            if isinstance(value, int):
                object.__setattr__(self, name, (value, value))
            elif isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "_created", next(CREATION))

    # ---- calling on symbolic tensors (the Functional API) ----
    def __call__(self, inputs, **keyword_arguments):
        from lightning_port.layers.graph import call_layer

        return call_layer(self, inputs, keyword_arguments)

    # ---- shapes (Keras's convention: channels last, batch axis left out) ----
    def output_shape(self, input_shape) -> Shape:
        return tuple(input_shape)

    def output_shapes(self, input_shape) -> tuple[Shape, ...]:
        """Every output's shape; one output unless the kind returns several (RNN states)."""
        return (self.output_shape(input_shape),)

    def parameter_count(self, input_shape) -> int:
        """Every weight, trainable or not, as Keras's count_params() counts them."""
        return 0

    @property
    def activation_name(self) -> str | None:
        """The activation this layer ends in, applied after ``build``'s module (None: none)."""
        return None

    # ---- torch ----
    def build(self, input_shape, context: BuildContext) -> nn.Module | None:
        """The torch module computing the layer (its activation comes separately); None: the
        layer is only its activation, or the identity."""
        raise NotImplementedError(f"{type(self).__name__} has no torch module")

    def initialize(self, module: nn.Module) -> None:
        """Keras's initializers for a freshly built module (called under no_grad)."""

    def weights(self) -> tuple[WeightRow, ...]:
        return ()

    # ---- export (lightning_port.export writes plain torch code; layers.emit says how) ----
    # The layout the kind's exported call takes and gives (layers.emit).
    export_layout: ClassVar[str] = CHANNELS_LAST

    def emit(self, context: EmitContext) -> Emitted:
        """This call as exported torch code. A kind that does not define it is refused by the
        exporter in one line (kinds added without an export stay valid everywhere else)."""
        raise NotExportable(f"{context.where}: the exporter does not write {self.keras_class} layers yet")

    # ---- Keras configs ----
    @classmethod
    def from_keras(cls, config: dict, where: str) -> LayerKind:
        from lightning_port.layers.config import construct, read_fields

        return construct(cls, read_fields(cls, config, where), where)

    def keras_arguments(self) -> dict:
        """Constructor arguments that build the live Keras layer of this spec."""
        arguments = {}
        for spec_field in fields(self):
            value = getattr(self, spec_field.name)
            if spec_field.name == "name" and value is None:
                continue
            arguments[spec_field.name] = "linear" if spec_field.name == "activation" and value is None else value
        return arguments

    def config(self) -> dict:
        """The spec's fields but the name: what an architecture row compares."""
        return {spec_field.name: getattr(self, spec_field.name) for spec_field in fields(self) if spec_field.name != "name"}

    # ---- Keras masks (``keras.layers.Layer.supports_masking`` / ``compute_mask``) ----
    # Keras's supports_masking: the output carries the input's mask on (Keras's default, False:
    # a mask stops at the layer).
    supports_masking: ClassVar[bool] = False
    # The module takes ``mask=`` (the input's mask) when a mask reaches it.
    takes_mask: ClassVar[bool] = False
    # Why a mask reaching the layer is refused: its Keras call uses the mask in a way the port
    # does not reproduce (None: the layer takes, carries or drops masks as Keras does).
    mask_refusal: ClassVar[str | None] = None

    def masked_outputs(self, input_shape, input_masked) -> tuple[bool, ...]:
        """Which outputs carry a mask, given whether the input does (a list of flags for a list
        input): the static picture the backbone plans its mask work by (``Graph.mask_flow``)."""
        count = len(self.output_shapes(input_shape))
        masked = any(input_masked) if isinstance(input_masked, (list, tuple)) else bool(input_masked)
        if masked and self.mask_refusal:
            from lightning_port.layers.config import UnsupportedLayer

            raise UnsupportedLayer(f"a Keras mask (from Embedding(mask_zero=True) or Masking) reaches it: {self.mask_refusal}")
        return (masked and self.supports_masking,) * count

    def compute_mask(self, inputs, mask, outputs) -> list:
        """The masks of the outputs at run time (torch tensors or None), as Keras's
        ``compute_mask`` gives them; called only where ``masked_outputs`` says a mask is made."""
        return [mask if self.supports_masking else None] * len(outputs)

    # ---- layers this one wraps (Bidirectional, TimeDistributed) ----
    def wrapped_layers(self) -> tuple[LayerKind, ...]:
        """The layers inside this one, named by Keras as layers of their own (their weights are
        this layer's, under their names: ``bidirectional/forward_lstm/lstm_cell/kernel``)."""
        return ()

    def with_wrapped_layers(self, layers: tuple[LayerKind, ...]) -> LayerKind:
        """This layer with its wrapped layers replaced (same order as ``wrapped_layers``)."""
        return self

    def recurrent_cells(self) -> tuple[tuple[str | None, LayerKind], ...]:
        """(direction, recurrent layer) per recurrent cell this layer runs, in Keras's order:
        what draws recurrent dropout masks (a recurrent layer runs itself, direction None)."""
        return ()

    # ---- evidence ----
    @classmethod
    def conformance_cases(cls) -> list[tuple[str, Shape, LayerKind]]:
        """(label, input shape, layer) for each configuration measured against live Keras."""
        return []


def channels(input_shape: Shape, rank: int, layer: str) -> int:
    """The channel axis of an input of the rank a layer needs (without the batch axis)."""
    if len(input_shape) != rank:
        raise LayerShapeError(f"{layer} expects inputs of rank {rank} (without the batch axis), got shape {tuple(input_shape)}")
    return input_shape[-1]


def sized_image(input_shape: Shape, layer: str) -> int:
    """The channel axis of an image (height, width, channels) whose height and width are known:
    the image preprocessing and augmentation layers compute per-pixel coordinates, crops and
    resampling weights from them."""
    size = channels(input_shape, 3, layer)
    if input_shape[0] is None or input_shape[1] is None:
        raise LayerShapeError(f"{layer} over an image of unknown height or width {tuple(input_shape)}; give keras.Input the image's size")
    return size


def activated(shape: Shape, activation: str | None) -> Shape:
    """The shape after an activation: "glu" halves the last axis, the others keep it."""
    if activation == "glu":
        if shape[-1] % 2:
            raise LayerShapeError(f"glu needs an even last axis, got {shape[-1]}")
        return (*shape[:-1], shape[-1] // 2)
    return tuple(shape)


def product(shape) -> int:
    return math.prod(shape)


__all__ = ["ACTIVATIONS", "INITIALIZERS", "BuildContext", "LayerKind", "LayerShapeError", "Shape", "WeightRow", "activated", "channels"]
