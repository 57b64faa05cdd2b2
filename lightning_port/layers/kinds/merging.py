"""``keras.layers.Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum`` and ``Minimum``:
elementwise merges of a list of tensors, by Keras's rules (``layers/merging/base_merge.py``).

Shapes broadcast as Keras's do: aligned at the last axis, an axis of 1 stretching to the
other's size. An input of lower rank gets axes of 1 inserted right after the batch axis
(Keras's ``expand_dims(x, 1)``), not in front of the batch axis as torch's broadcasting would
put them. The inputs are folded left to right, ((a + b) + c), because float32 additions and
products are not associative and Keras folds that way; Average divides that sum by the count.
Maximum and Minimum select with ``where``, as TensorFlow's gradients do: on a tie the whole
gradient goes to the earlier input (``torch.maximum`` would split it in halves); NaN wins, as
in ``tf.maximum``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from lightning_port.layers.base import LayerKind, Shape
from lightning_port.layers.emit import EITHER, Emitted, NotExportable, Rule
from lightning_port.layers.kinds.case_models import merged
from lightning_port.ops.windows import LayerShapeError


def with_batch(shapes) -> list[tuple]:
    """Shapes as Keras's messages print them: the batch axis (unknown) first."""
    return [(None, *shape) for shape in shapes]


def broadcast_pair(first: Shape, second: Shape) -> Shape:
    """Keras's ``_compute_elemwise_op_output_shape`` (batch axes left out)."""
    if len(first) < len(second):
        return broadcast_pair(second, first)
    if not second:
        return tuple(first)
    output = list(first[: len(first) - len(second)])
    for size, other in zip(first[len(first) - len(second):], second):
        if size != other and 1 not in (size, other):
            raise LayerShapeError(f"Inputs have incompatible shapes. Received shapes {tuple(first)} and {tuple(second)}")
        output.append(other if size == 1 else size)
    return tuple(output)


def at_least_one(shapes, layer: str) -> list[Shape]:
    if not isinstance(shapes, (list, tuple)) or not shapes or not all(isinstance(shape, (list, tuple)) for shape in shapes):
        raise LayerShapeError(f"A merge layer should be called on a list of at least 1 input. Received: input_shape={shapes} ({layer})")
    return [tuple(shape) for shape in shapes]


def _maximum(first, second):
    # tf.maximum's gradient goes to x where x >= y; its value is NaN where either input is.
    return torch.where(torch.isnan(first), first, torch.where(first >= second, first, second))


def _minimum(first, second):
    return torch.where(torch.isnan(first), first, torch.where(first <= second, first, second))


_OPERATIONS = {
    "add": torch.add, "subtract": torch.sub, "multiply": torch.mul, "average": torch.add,
    "maximum": _maximum, "minimum": _minimum,
}


class ElementwiseMerge(nn.Module):
    def __init__(self, operation: str, rank: int):
        super().__init__()
        self.operation, self.rank = operation, rank  # rank: the highest, batch axis included

    def forward(self, inputs):
        combine = _OPERATIONS[self.operation]
        tensors = [tensor.reshape(tensor.shape[0], *([1] * (self.rank - tensor.dim())), *tensor.shape[1:]) for tensor in inputs]
        output = tensors[0]
        for tensor in tensors[1:]:
            output = combine(output, tensor)
        # TensorFlow's `x / 3` converts 3 to x's dtype and divides (no reciprocal product);
        # torch divides by a Python int the same way.
        return output / len(tensors) if self.operation == "average" else output

    def extra_repr(self) -> str:
        return self.operation


_KERAS_MAXIMUM = Rule(
    "keras_maximum",
    '''def keras_maximum(first, second):
    """keras.layers.Maximum as TensorFlow computes it: on a tie the whole gradient goes to the
    first input (torch.maximum splits it in halves), and NaN wins, as in tf.maximum."""
    return torch.where(torch.isnan(first), first, torch.where(first >= second, first, second))
''',
    imports=("import torch",),
)
_KERAS_MINIMUM = Rule(
    "keras_minimum",
    '''def keras_minimum(first, second):
    """keras.layers.Minimum as TensorFlow computes it: on a tie the whole gradient goes to the
    first input (torch.minimum splits it in halves), and NaN wins, as in tf.minimum."""
    return torch.where(torch.isnan(first), first, torch.where(first <= second, first, second))
''',
    imports=("import torch",),
)
_OPERATORS = {"add": " + ", "subtract": " - ", "multiply": " * ", "average": " + "}
_SELECTIONS = {"maximum": _KERAS_MAXIMUM, "minimum": _KERAS_MINIMUM}


class _ElementwiseMerge(LayerKind):
    takes_list: ClassVar[bool] = True
    operation: ClassVar[str] = ""
    supports_masking: ClassVar[bool] = True
    export_layout: ClassVar[str] = EITHER

    def masked_outputs(self, input_shape, input_masked):
        # Keras's base_merge: a mask only when every input has one, their logical or.
        return (all(input_masked),)

    def compute_mask(self, inputs, mask, outputs):
        combined = mask[0]
        for other in mask[1:]:
            combined = combined | other
        return [combined]

    def emit(self, context):
        if len({len(shape) for shape in context.input_shape}) > 1:
            raise NotExportable(f"{context.where}: inputs of different ranks are not exported yet")
        if self.operation in _SELECTIONS:
            rule = _SELECTIONS[self.operation]
            expression = context.arguments[0]
            for argument in context.arguments[1:]:
                expression = f"{rule.name}({expression}, {argument})"  # folded left to right, as Keras folds
            return Emitted(expression, rules=(rule,))
        # Python's a + b + c is ((a + b) + c): Keras's left-to-right fold.
        expression = _OPERATORS[self.operation].join(context.arguments)
        if self.operation == "average":
            expression = f"({expression}) / {len(context.arguments)}"
        return Emitted(expression)

    def output_shape(self, input_shape):
        shapes = at_least_one(input_shape, self.keras_class)
        output = shapes[0]
        for shape in shapes[1:]:
            output = broadcast_pair(output, shape)
        return output

    def build(self, input_shape, context):
        return ElementwiseMerge(self.operation, 1 + max(len(shape) for shape in input_shape))

    @classmethod
    def conformance_cases(cls):
        two = [
            ("two inputs of (5,)", [(5,), (5,)]),
            ("(3, 4) with (1, 4): an axis of 1 broadcasts", [(3, 4), (1, 4)]),
            ("(3, 4) with (4,): the lower rank gains an axis after the batch axis", [(3, 4), (4,)]),
            ("(2, 1, 4) with (3, 1): both broadcast", [(2, 1, 4), (3, 1)]),
        ]
        three = [
            ("three inputs of (4,), folded left to right", [(4,), (4,), (4,)]),
            ("three inputs (2, 3, 4), (3, 1) and (4,)", [(2, 3, 4), (3, 1), (4,)]),
        ]
        cases = [(label, (), merged(cls(), shapes)) for label, shapes in two + (three if cls.keras_class != "Subtract" else [])]
        if cls.operation in ("maximum", "minimum"):
            # Both branches start at exactly zero: every element ties, and TensorFlow gives
            # the whole gradient to the first input (the second branch's gradient is zero).
            cases.append(("ties everywhere (both branches start at zero)", (), merged(cls(), [(5,), (5,)], kernel_initializer="zeros")))
        return cases


@dataclass(frozen=True)
class Add(_ElementwiseMerge):
    keras_class: ClassVar[str] = "Add"
    operation: ClassVar[str] = "add"


@dataclass(frozen=True)
class Subtract(_ElementwiseMerge):
    keras_class: ClassVar[str] = "Subtract"
    operation: ClassVar[str] = "subtract"

    def output_shape(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and len(input_shape) != 2:
            raise LayerShapeError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={with_batch(input_shape)}")
        return super().output_shape(input_shape)


@dataclass(frozen=True)
class Multiply(_ElementwiseMerge):
    keras_class: ClassVar[str] = "Multiply"
    operation: ClassVar[str] = "multiply"


@dataclass(frozen=True)
class Average(_ElementwiseMerge):
    keras_class: ClassVar[str] = "Average"
    operation: ClassVar[str] = "average"


@dataclass(frozen=True)
class Maximum(_ElementwiseMerge):
    keras_class: ClassVar[str] = "Maximum"
    operation: ClassVar[str] = "maximum"


@dataclass(frozen=True)
class Minimum(_ElementwiseMerge):
    keras_class: ClassVar[str] = "Minimum"
    operation: ClassVar[str] = "minimum"
