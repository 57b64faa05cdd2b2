"""The recipe's loss and compiled metrics as exported code: the computation of
``keras_compat.losses`` for that loss only (the same operations), and torchmetrics for the
metrics as ``keras_compat.metrics`` resolves them."""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.layers.emit import NotExportable, Rule
from lightning_port.spec import Recipe
from lightning_port.spec.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

_EPSILON = 1e-07  # Keras's backend epsilon, which its crossentropies clip probabilities to

_CLIPPED_LOG = f'''    probabilities = torch.clamp(probabilities, {_EPSILON!r}, 1 - {_EPSILON!r})'''

_CATEGORICAL = Rule(
    "categorical_crossentropy",
    f'''def categorical_crossentropy(probabilities, targets):
    """Keras's categorical crossentropy on probabilities that no softmax made (so TensorFlow has
    no logits to recover): normalised to sum to 1, clipped to [epsilon, 1 - epsilon], and their
    log taken as logits (which sum to 1 already) at the target classes (the one-hot labels' argmax)."""
    probabilities = probabilities / probabilities.sum(dim=-1, keepdim=True)
{_CLIPPED_LOG}
    return F.cross_entropy(torch.log(probabilities), targets)
''',
    imports=("import torch", "import torch.nn.functional as F"),
)
_SPARSE = Rule(
    "sparse_categorical_crossentropy",
    f'''def sparse_categorical_crossentropy(probabilities, targets):
    """Keras's sparse categorical crossentropy on probabilities: it recovers no logits (even from a
    softmax); it clips them to [epsilon, 1 - epsilon] and takes the log at the target classes."""
{_CLIPPED_LOG}
    return F.cross_entropy(torch.log(probabilities), targets)
''',
    imports=("import torch", "import torch.nn.functional as F"),
)
_BINARY = Rule(
    "binary_crossentropy",
    f'''def binary_crossentropy(probabilities, targets):
    """Keras's binary crossentropy on probabilities that no sigmoid made: clipped to [epsilon,
    1 - epsilon], each sample's mean over the last axis, then the batch's mean."""
{_CLIPPED_LOG}
    elementwise = -(targets * torch.log(probabilities) + (1 - targets) * torch.log(1 - probabilities))
    return elementwise.mean(dim=-1).mean()
''',
    imports=("import torch",),
)
_MEAN_SQUARED = Rule(
    "mean_squared_error",
    '''def mean_squared_error(outputs, targets):
    """Keras's mean squared error: each sample's mean over the last axis, then the batch's mean
    (F.mse_loss averages all elements at once, which rounds differently)."""
    difference = outputs - targets
    return (difference * difference).mean(dim=-1).mean()
''',
)
_MEAN_ABSOLUTE = Rule(
    "mean_absolute_error",
    '''def mean_absolute_error(outputs, targets):
    """Keras's mean absolute error: each sample's mean over the last axis, then the batch's mean."""
    return (outputs - targets).abs().mean(dim=-1).mean()
''',
)


def _huber(delta: float) -> Rule:
    return Rule(
        "huber",
        f'''def huber(outputs, targets, delta={delta!r}):
    """Keras's Huber loss: 0.5 d^2 within delta, delta * |d| - 0.5 delta^2 beyond, each sample's
    mean over the last axis, then the batch's mean."""
    difference = outputs - targets
    absolute = difference.abs()
    quadratic = 0.5 * difference * difference
    linear = delta * absolute - 0.5 * delta**2
    return torch.where(absolute <= delta, quadratic, linear).mean(dim=-1).mean()
''',
        imports=("import torch",),
    )


@dataclass(frozen=True)
class LossCode:
    """``loss = <expression>`` in ``module.py``, with its comment; ``outputs`` names what the
    model returns (``logits`` when the loss reads them); ``probabilities``: Keras's predictions
    from it (what ``predict`` returns and the metrics read)."""

    outputs: str
    comment: tuple[str, ...]
    expression: str
    probabilities: str
    rules: tuple[Rule, ...] = ()
    imports: tuple[str, ...] = ()
    class_indices: bool = False  # the targets are class indices (int64)


def loss_code(recipe: Recipe) -> LossCode:
    spec = recipe.output_losses[0]
    activation = recipe.output_activations[0]
    recovered = recipe.outputs_are_logits[0]
    rank = len(recipe.output_shapes[0])
    classes_second = ".movedim(-1, 1)" if rank > 1 else ""
    functional = ("import torch.nn.functional as F",)
    if isinstance(spec, (CategoricalCrossentropy, SparseCategoricalCrossentropy)):
        if recovered:
            comment = (
                f"Keras's {spec.keras_name.replace('_', ' ')} on a {activation} output: TensorFlow computes it from the",
                f"{activation}'s input (softmax_cross_entropy_with_logits), which is torch's cross_entropy on the",
                "logits and the class indices (the one-hot labels' argmax).",
            )
            probabilities = "torch.softmax(logits, dim=-1)" if activation == "softmax" else "torch.sigmoid(logits)"
            return LossCode("logits", comment, f"F.cross_entropy(logits{classes_second}, targets)", probabilities, imports=functional, class_indices=True)
        if spec.from_logits:
            comment = (f"{type(spec).__name__}(from_logits=True): torch's cross_entropy on the class indices.",)
            return LossCode("logits", comment, f"F.cross_entropy(logits{classes_second}, targets)", "logits", imports=functional, class_indices=True)
        if rank > 1:
            raise NotExportable(f"{recipe.name}: a crossentropy on probabilities of rank {rank + 1} is not exported yet")
        rule = _CATEGORICAL if isinstance(spec, CategoricalCrossentropy) else _SPARSE
        comment = (f"Keras's {spec.keras_name.replace('_', ' ')} on the model's probabilities (keras_rules.py).",)
        return LossCode("outputs", comment, f"{rule.name}(outputs, targets)", "outputs", rules=(rule,), class_indices=True)
    if isinstance(spec, BinaryCrossentropy):
        if recovered or spec.from_logits:
            comment = (
                ("Keras's binary crossentropy on a sigmoid output: TensorFlow computes it from the sigmoid's input",
                 "(sigmoid_cross_entropy_with_logits), as torch's binary_cross_entropy_with_logits does.")
                if recovered else ("BinaryCrossentropy(from_logits=True): torch's binary_cross_entropy_with_logits.",)
            )
            probabilities = "torch.sigmoid(logits)" if recovered else "logits"
            return LossCode("logits", comment, "F.binary_cross_entropy_with_logits(logits, targets)", probabilities, imports=functional)
        comment = ("Keras's binary crossentropy on the model's probabilities (keras_rules.py).",)
        return LossCode("outputs", comment, "binary_crossentropy(outputs, targets)", "outputs", rules=(_BINARY,))
    regression = {MeanSquaredError: _MEAN_SQUARED, MeanAbsoluteError: _MEAN_ABSOLUTE}
    if isinstance(spec, Huber):
        rule = _huber(spec.delta)
    elif type(spec) in regression:
        rule = regression[type(spec)]
    else:
        raise NotExportable(f"{recipe.name}: loss {spec!r} is not exported yet")
    comment = (f"Keras's {spec.keras_name.replace('_', ' ')} (keras_rules.py).",)
    return LossCode("outputs", comment, f"{rule.name}(outputs, targets)", "outputs", rules=(rule,))


@dataclass(frozen=True)
class MetricsCode:
    """torchmetrics for compile(metrics=...): the constructor of each, by Keras's log name."""

    constructors: dict[str, str]
    imports: tuple[str, ...]
    comment: str
    predictions: str  # what the metrics' update takes, from ``LossCode.probabilities``
    targets: str


def metrics_code(recipe: Recipe, loss: LossCode) -> MetricsCode:
    names = recipe.output_metrics[0]
    units = recipe.output_shapes[0][-1]
    constructors, imports = {}, set()
    accuracy = [name for name in names if name in ("accuracy", "acc")]
    errors = [name for name in names if name in ("mae", "mse")]
    unknown = [name for name in names if name not in accuracy + errors]
    if unknown:
        raise NotExportable(f"{recipe.name}: metric {unknown[0]!r} is not exported yet")
    if accuracy and errors:
        raise NotExportable(f"{recipe.name}: accuracy together with mae or mse is not exported yet")
    predictions, targets, comment = loss.probabilities, "targets", ""
    steps = recipe.output_shapes[0][:-1]
    for name in accuracy:
        if units > 1:
            constructors[name] = f'MulticlassAccuracy(num_classes={units}, average="micro")'
            imports.add("from torchmetrics.classification import MulticlassAccuracy")
            comment = f'compile(metrics=["{name}"]) on {units} classes: the hit rate of the argmax, over the epoch.'
            if steps:
                # torchmetrics reads probabilities' classes on axis 1, Keras on the last: the
                # argmax of each step is given (Keras's categorical accuracy, one hit per step).
                predictions = f"{loss.probabilities}.argmax(dim=-1)"
                comment = f'compile(metrics=["{name}"]) on {units} classes, {" x ".join(map(str, steps))} steps: the hit rate of each step\'s argmax, over the epoch.'
        else:
            if loss.probabilities not in ("torch.sigmoid(logits)",):
                raise NotExportable(f"{recipe.name}: binary accuracy on an output other than a sigmoid's is not exported yet")
            constructors[name] = "BinaryAccuracy()"
            imports.add("from torchmetrics.classification import BinaryAccuracy")
            comment = f'compile(metrics=["{name}"]) on one unit: Keras\'s binary accuracy, the sigmoid\'s probability above 0.5.'
            targets = "targets.long()"
    for name in errors:
        metric = "MeanAbsoluteError" if name == "mae" else "MeanSquaredError"
        constructors[name] = f"{metric}()"
        imports.add(f"from torchmetrics import {metric}")
        comment = "compile(metrics=[...]): Keras's mean errors of the model's outputs."
    return MetricsCode(constructors, tuple(sorted(imports)), comment, predictions, targets)
