"""Keras's numeric categorical layers, with Keras's output dtypes: ``Discretization`` (bins),
``CategoryEncoding`` (one-hot, multi-hot, counts) and ``IntegerLookup`` (a vocabulary of
integers to indices, or back). No gradient flows through them (their outputs are indices or
encodings of indices), so the parity rows compare their outputs exactly.

- Discretization: ``Bucketize``: the index of the first boundary above the input (the
  boundaries rounded to float32, as TensorFlow's op keeps them), as int32; or that index
  encoded, in the model's dtype. Only boundaries in the config (given, or left there by
  ``adapt()``) can be reproduced.
- CategoryEncoding: inputs truncated to integers, encoded over ``num_tokens``, in the model's
  dtype (a value at or beyond ``num_tokens`` encodes to nothing, as TensorFlow's bincount and
  one-hot leave it; a negative one is refused by TensorFlow's bincount and here alike).
- IntegerLookup: the vocabulary (data in the config, carried exactly) after Keras's special
  indices: the mask token's index 0 (int output with a ``mask_token``), then
  ``num_oov_indices`` out-of-vocabulary indices (an unknown value goes to index
  ``floormod(value, num_oov_indices)`` among them); int64 indices, or int64 encodings of them
  (``tf_idf``: counts times ``idf_weights``, in the model's dtype); ``invert`` maps indices back.

"multi_hot", "count" and "tf_idf" reduce over the input's one axis: the port refuses them on
inputs of more axes, where Keras's declared output shape and its computed one disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from lightning_port.layers.base import LayerKind
from lightning_port.layers.config import UnsupportedLayer, construct, read_fields
from lightning_port.layers.kinds.case_models import alone
from lightning_port.ops.windows import LayerShapeError

ENCODINGS = ("one_hot", "multi_hot", "count")
INT64_MAX = np.iinfo(np.int64).max


def encoded_shape(input_shape, output_mode: str, depth: int) -> tuple[int, ...]:
    if output_mode == "one_hot":
        return (*input_shape[:-1], depth) if input_shape and input_shape[-1] == 1 else (*input_shape, depth)
    if len(input_shape) != 1:
        raise LayerShapeError(f"output_mode {output_mode!r} on inputs of shape {tuple(input_shape)}: the port takes one axis of values per sample (Keras's declared and computed output shapes disagree beyond that)")
    return (depth,)


def encode(indices: torch.Tensor, output_mode: str, depth: int, dtype: torch.dtype) -> torch.Tensor:
    """``encode_categorical_inputs`` on TensorFlow: one-hot (a last axis of 1 squeezed first),
    or bincount over the last axis (binary for multi-hot); values outside [0, depth) encode to
    nothing."""
    if output_mode == "one_hot" and indices.dim() > 1 and indices.shape[-1] == 1:
        indices = indices.squeeze(-1)
    inside = (indices >= 0) & (indices < depth)
    hot = torch.nn.functional.one_hot(torch.where(inside, indices, 0).long(), depth) * inside.unsqueeze(-1)
    if output_mode == "one_hot":
        return hot.to(dtype)
    if (indices < 0).any():
        raise ValueError("CategoryEncoding: a negative input value (TensorFlow's bincount refuses it; Keras fails alike)")
    counts = hot.sum(dim=-2)
    return (counts > 0).to(dtype) if output_mode == "multi_hot" else counts.to(dtype)


def float_dtype(inputs: torch.Tensor) -> torch.dtype:
    """The model's dtype, as the port's inputs carry it."""
    return inputs.dtype if inputs.is_floating_point() else torch.get_default_dtype()


# ---- Discretization ----

class Bucketize(nn.Module):
    def __init__(self, boundaries, output_mode: str):
        super().__init__()
        self.boundaries = torch.from_numpy(np.asarray(boundaries, dtype=np.float32))
        self.output_mode = output_mode

    def forward(self, inputs):
        dtype = float_dtype(inputs)
        values = inputs.to(dtype)
        indices = torch.bucketize(values, self.boundaries.to(device=values.device, dtype=dtype), right=True)
        if self.output_mode == "int":
            return indices.to(torch.int32)
        return encode(indices, self.output_mode, len(self.boundaries) + 1, dtype)

    def extra_repr(self) -> str:
        return f"{len(self.boundaries)} boundaries, {self.output_mode}"


@dataclass(frozen=True)
class Discretization(LayerKind):
    bin_boundaries: tuple[float, ...] | None = None
    num_bins: int | None = None
    epsilon: float = 0.01
    output_mode: str = "int"
    keras_class: ClassVar[str] = "Discretization"
    example_arguments: ClassVar[dict] = {"bin_boundaries": (0.0, 1.0)}
    needed_arguments: ClassVar[tuple[str, ...]] = ("bin_boundaries",)  # None: an adapt() that never ran
    keeps_integers: ClassVar[bool] = True  # integer inputs reach it as they are (it casts them itself)

    def output_shape(self, input_shape):
        if self.bin_boundaries is None:
            raise LayerShapeError("Discretization: no bin_boundaries (an adapt() that never ran); the port needs the boundaries in the config")
        if self.output_mode not in ("int", *ENCODINGS):
            raise LayerShapeError(f"Discretization: output_mode={self.output_mode!r} is not one of int, {', '.join(ENCODINGS)}")
        if self.output_mode == "int":
            return tuple(input_shape)
        return encoded_shape(input_shape, self.output_mode, len(self.bin_boundaries) + 1)

    def build(self, input_shape, context):
        return Bucketize(self.bin_boundaries, self.output_mode)

    @classmethod
    def from_keras(cls, config, where):
        layer = construct(cls, read_fields(cls, config, where, handled={"sparse": (False,)}), where)
        if layer.bin_boundaries is None:
            raise UnsupportedLayer(f"{where}: no bin_boundaries in the config (num_bins={layer.num_bins} without adapt()); adapt the layer before saving")
        return layer

    def keras_arguments(self):
        arguments = super().keras_arguments()
        if arguments["bin_boundaries"] is not None:
            arguments.pop("num_bins")  # Keras refuses both at construction (from_config takes both)
        arguments["bin_boundaries"] = list(arguments["bin_boundaries"])
        return arguments

    @classmethod
    def conformance_cases(cls):
        boundaries = (-1.0, -0.1, 0.0, 0.3, 1.5)
        cases = [("int, 5 boundaries (the layer alone: int32 outputs, exact)", (), alone(cls(boundaries), (6,)))]
        cases += [(f"{mode}, 5 boundaries", (6,) if mode != "one_hot" else (3, 2), cls(boundaries, output_mode=mode)) for mode in ENCODINGS]
        cases.append(("one_hot of (4, 1) inputs (last axis squeezed)", (4, 1), cls(boundaries, output_mode="one_hot")))
        cases.append(("int, then an Embedding", (), _then_embedding(cls(boundaries), (5,), len(boundaries) + 1)))
        return cases


def _then_embedding(layer, shape, tokens):
    """Integer outputs read by an Embedding (their common consumer), then a Dense head."""
    from lightning_port.layers.graph import Input
    from lightning_port.layers.kinds.model import Model
    from lightning_port.layers.registry import kind_classes

    kinds = kind_classes()
    inputs = Input(shape)
    embedded = kinds["Flatten"]()(kinds["Embedding"](tokens, 3)(layer(inputs)))
    return Model(inputs, kinds["Dense"](3)(embedded))


# ---- CategoryEncoding ----

class Encoding(nn.Module):
    def __init__(self, num_tokens: int, output_mode: str):
        super().__init__()
        self.num_tokens, self.output_mode = num_tokens, output_mode

    def forward(self, inputs):
        return encode(inputs.long(), self.output_mode, self.num_tokens, float_dtype(inputs))

    def extra_repr(self) -> str:
        return f"num_tokens={self.num_tokens}, {self.output_mode}"


@dataclass(frozen=True)
class CategoryEncoding(LayerKind):
    num_tokens: int
    output_mode: str = "multi_hot"
    keras_class: ClassVar[str] = "CategoryEncoding"
    example_arguments: ClassVar[dict] = {"num_tokens": 4}
    integer_inputs: ClassVar[bool] = True  # synthetic inputs are drawn in [0, input_dim)

    def __post_init__(self):
        if self.output_mode == "binary":
            object.__setattr__(self, "output_mode", "multi_hot")  # Keras's alias
        super().__post_init__()

    @property
    def input_dim(self) -> int:
        return self.num_tokens

    def output_shape(self, input_shape):
        if self.output_mode not in ENCODINGS:
            raise LayerShapeError(f"CategoryEncoding: output_mode={self.output_mode!r} is not one of {', '.join(ENCODINGS)}")
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def build(self, input_shape, context):
        return Encoding(self.num_tokens, self.output_mode)

    @classmethod
    def from_keras(cls, config, where):
        return construct(cls, read_fields(cls, config, where, handled={"sparse": (False,)}), where)

    @classmethod
    def conformance_cases(cls):
        return [
            ("multi_hot, 6 tokens", (4,), cls(6)),
            ("count, 6 tokens", (4,), cls(6, "count")),
            ("one_hot, 6 tokens, (3, 2) inputs", (3, 2), cls(6, "one_hot")),
            ("one_hot of (1,) inputs (last axis squeezed)", (1,), cls(6, "one_hot")),
        ]


# ---- IntegerLookup ----

class Lookup(nn.Module):
    def __init__(self, layer: IntegerLookup):
        super().__init__()
        self.layer = layer
        tokens = np.asarray(layer.tokens, dtype=np.int64)
        order = np.argsort(tokens, kind="stable")
        self.sorted_tokens = torch.from_numpy(tokens[order])
        self.positions = torch.from_numpy(order.astype(np.int64))
        self.tokens = torch.from_numpy(tokens)
        self.idf_weights = None if layer.idf_weights is None else torch.from_numpy(layer.padded_idf_weights())

    def forward(self, inputs):
        layer = self.layer
        keys = inputs.to(torch.int64)  # truncation, as TensorFlow casts
        tokens, sorted_tokens, positions = (item.to(keys.device) for item in (self.tokens, self.sorted_tokens, self.positions))
        start = layer.token_start
        if layer.invert:
            offset = keys - start
            inside = (offset >= 0) & (offset < len(tokens))
            values = torch.where(inside, tokens[offset.clamp(0, len(tokens) - 1)], layer.oov_token)
            if layer.mask_token is not None:
                values = torch.where(keys == 0, layer.mask_token, values)
            return values
        slot = torch.searchsorted(sorted_tokens, keys).clamp(max=len(tokens) - 1)
        found = sorted_tokens[slot] == keys
        default = layer.oov_start if layer.num_oov_indices == 1 else -1
        lookups = torch.where(found, positions[slot] + start, default)
        if layer.mask_token is not None:
            lookups = torch.where(keys == layer.mask_token, 0 if layer.output_mode == "int" else INT64_MAX, lookups)
        if layer.num_oov_indices == 0 and (lookups == -1).any():
            raise ValueError("IntegerLookup: an input outside the vocabulary with num_oov_indices=0 (Keras raises alike); consider num_oov_indices=1")
        if layer.num_oov_indices > 1:
            lookups = torch.where(lookups == -1, torch.remainder(keys, layer.num_oov_indices) + layer.oov_start, lookups)
        if layer.output_mode == "int":
            return lookups
        if layer.output_mode == "tf_idf":
            dtype = float_dtype(inputs)
            return encode(lookups, "count", layer.depth, torch.int64).to(dtype) * self.idf_weights.to(device=keys.device, dtype=dtype)
        return encode(lookups, layer.output_mode, layer.depth, torch.int64)

    def extra_repr(self) -> str:
        return f"{len(self.tokens)} tokens, {self.layer.output_mode}{', invert' if self.layer.invert else ''}"


@dataclass(frozen=True)
class IntegerLookup(LayerKind):
    max_tokens: int | None = None
    num_oov_indices: int = 1
    mask_token: int | None = None
    oov_token: int = -1
    vocabulary: tuple[int, ...] | None = None
    idf_weights: tuple[float, ...] | None = None
    invert: bool = False
    output_mode: str = "int"
    pad_to_max_tokens: bool = False
    keras_class: ClassVar[str] = "IntegerLookup"
    example_arguments: ClassVar[dict] = {"vocabulary": (3, 7, 9)}
    needed_arguments: ClassVar[tuple[str, ...]] = ("vocabulary",)  # an adapted vocabulary lives in the file's assets, refused
    integer_inputs: ClassVar[bool] = True

    def __post_init__(self):
        aliases = {"binary": "multi_hot", "tf-idf": "tf_idf"}
        object.__setattr__(self, "output_mode", aliases.get(self.output_mode, self.output_mode))
        super().__post_init__()

    # ---- Keras's index layout ----
    @property
    def oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    @property
    def token_start(self) -> int:
        return self.oov_start + self.num_oov_indices

    @property
    def tokens(self) -> tuple[int, ...]:
        """The vocabulary without the special tokens Keras strips when they lead it."""
        specials = [self.mask_token] * self.oov_start + [self.oov_token] * self.num_oov_indices
        vocabulary = tuple(self.vocabulary or ())
        return vocabulary[len(specials):] if list(vocabulary[: len(specials)]) == specials and specials else vocabulary

    @property
    def depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens else self.token_start + len(self.tokens)

    def padded_idf_weights(self) -> np.ndarray:
        """Keras's ``set_vocabulary``: one weight per index, the special indices' the average
        weight (when the vocabulary does not lead with its special tokens), zeros beyond the
        vocabulary up to ``max_tokens`` with ``pad_to_max_tokens`` (float64 here; cast to the
        model's dtype when used, as Keras converts them to its floatx)."""
        weights = np.asarray(self.idf_weights, dtype=np.float64)
        leads = len(self.tokens) != len(self.vocabulary)
        front = 0 if leads else self.token_start
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
        return np.pad(weights, (front, back), "constant", constant_values=(0.0 if leads else np.average(weights), 0.0))

    @property
    def input_dim(self) -> int:
        """The range synthetic inputs are drawn from: every index when inverting; else every
        token and, with out-of-vocabulary indices, a few values beyond them."""
        if self.invert:
            return self.token_start + len(self.tokens)
        return max(self.tokens) + (1 if self.num_oov_indices == 0 else 3)

    def refusal(self) -> str | None:
        if self.vocabulary is None:
            return "no vocabulary in its config (an adapted vocabulary is kept in the file's assets, which the port does not read); build the layer with vocabulary=layer.get_vocabulary()"
        if self.output_mode not in ("int", *ENCODINGS, "tf_idf"):
            return f"output_mode={self.output_mode!r} is not one Keras offers"
        if self.invert and self.output_mode != "int":
            return "invert=True with output_mode other than 'int' (Keras refuses it)"
        if len(set(self.tokens)) != len(self.tokens):
            return "a vocabulary with repeated tokens (Keras refuses it)"
        if self.mask_token is not None and self.mask_token in self.tokens:
            return f"the mask token {self.mask_token} inside the vocabulary (Keras refuses it)"
        if (self.output_mode == "tf_idf") != (self.idf_weights is not None):
            return "idf_weights go with output_mode 'tf_idf' and only with it (Keras refuses other combinations)"
        if self.pad_to_max_tokens and self.max_tokens is None:
            return "pad_to_max_tokens without max_tokens (Keras refuses it)"
        if self.max_tokens is not None and self.token_start + len(self.tokens) > self.max_tokens:
            return f"a vocabulary of {self.token_start + len(self.tokens)} indices beyond max_tokens={self.max_tokens} (Keras refuses it)"
        if self.idf_weights is not None and len(self.idf_weights) != len(self.vocabulary):
            return f"{len(self.idf_weights)} idf_weights for a vocabulary of {len(self.vocabulary)} (Keras refuses it)"
        return None

    def output_shape(self, input_shape):
        reason = self.refusal()
        if reason:
            raise LayerShapeError(f"IntegerLookup: {reason}")
        if self.output_mode == "int":
            return tuple(input_shape)
        return encoded_shape(input_shape, "count" if self.output_mode == "tf_idf" else self.output_mode, self.depth)

    def build(self, input_shape, context):
        return Lookup(self)

    @classmethod
    def from_keras(cls, config, where):
        handled = {
            "sparse": (False,), "vocabulary_dtype": ("int64",), "oov_method": ("floormod",), "salt": (None,),
            "vocabulary_size": None,  # derived from the vocabulary
        }
        layer = construct(cls, read_fields(cls, config, where, handled=handled), where)
        reason = layer.refusal()
        if reason:
            raise UnsupportedLayer(f"{where}: {reason}")
        return layer

    def keras_arguments(self):
        arguments = super().keras_arguments()
        arguments["vocabulary"] = list(self.vocabulary)
        if self.idf_weights is not None:
            arguments["idf_weights"] = list(self.idf_weights)
        return arguments

    @classmethod
    def conformance_cases(cls):
        vocabulary = (3, 7, 9, 12, 20, 5)
        return [
            ("int, 6 tokens, 1 OOV index (the layer alone: int64 outputs, exact)", (), alone(cls(vocabulary=vocabulary), (5,))),
            ("int, mask_token 0, 2 OOV indices (floormod), then an Embedding", (), _then_embedding(cls(vocabulary=vocabulary, mask_token=0, num_oov_indices=2), (5,), 9)),
            ("int, num_oov_indices 0 (inputs in the vocabulary)", (5,), cls(vocabulary=(0, 1, 2, 3, 4), num_oov_indices=0)),
            ("int, vocabulary led by its special tokens (stripped)", (5,), cls(vocabulary=(-1, 3, 7, 9))),
            ("invert, mask_token 0 (the layer alone, exact)", (), alone(cls(vocabulary=vocabulary, mask_token=0, invert=True), (5,))),
            ("one_hot (the layer alone: int64 outputs, exact)", (), alone(cls(vocabulary=vocabulary, output_mode="one_hot"), (3, 1))),
            ("one_hot (int64), then a Dense", (3, 1), cls(vocabulary=vocabulary, output_mode="one_hot")),
            ("multi_hot (int64), then a Dense", (4,), cls(vocabulary=vocabulary, output_mode="multi_hot")),
            ("count (int64), pad_to_max_tokens 10, mask_token 0", (4,), cls(vocabulary=vocabulary, output_mode="count", pad_to_max_tokens=True, max_tokens=10, mask_token=0)),
            ("tf_idf, idf_weights (the OOV index's: their average)", (4,), cls(vocabulary=vocabulary, output_mode="tf_idf", idf_weights=(0.5, 1.0, 1.5, 2.0, 0.25, 3.0))),
            ("tf_idf, pad_to_max_tokens 9 (zero weights beyond the vocabulary)", (4,), cls(vocabulary=vocabulary, output_mode="tf_idf", idf_weights=(0.5, 1.0, 1.5, 2.0, 0.25, 3.0), pad_to_max_tokens=True, max_tokens=9)),
        ]
