"""The shape of a recipe: everything a Keras tutorial (or a user's Keras model) fixes, as data.

A recipe is the intermediate form of this project: a tutorial's recipe module, or a Keras
model file read by ``scripts/port.py``, becomes a ``Recipe``; everything downstream (the
backbone, the data module, the Trainer, the Keras runner, the reports) takes the resolved
object and never looks it up again.
"""

from __future__ import annotations

import math
import functools
from dataclasses import dataclass, field

import numpy as np

from lightning_port.keras_compat import defaults
from lightning_port.layers.base import LayerKind
from lightning_port.layers.graph import Graph, LayerSummary, summarize
from lightning_port.spec.losses import BinaryCrossentropy, CategoricalCrossentropy, LossSpec, SparseCategoricalCrossentropy, resolve_loss
from lightning_port.spec.optimizers import OptimizerSpec

# Seed used when a tutorial names none, so that every run is reproducible by default.
DEFAULT_SEED = 0
# Seed of the fixed validation/hold-out splits. Independent of the training seed, so runs
# with different training seeds are scored on the same images.
SPLIT_SEED = 0


@dataclass(frozen=True)
class Article:
    """Where a reader can follow the recipe: the article (or book, or example) it comes from."""

    title: str
    author: str
    url: str = ""  # empty for a printed book
    published: str = ""  # e.g. "2023-05"
    note: str = ""  # how faithfully the recipe follows it, e.g. a listing rebuilt from prose

    def citation(self) -> str:
        """One line: title, author, date, address."""
        parts = [f'"{self.title}"', self.author, self.published, self.url]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Preprocessing:
    """``x -> (x.astype(arithmetic_dtype) / divisor + offset).astype(float32)``, reshaped to
    the recipe's input shape (flattening images, or adding their channel axis).

    ``arithmetic_dtype`` matters for bit-exact parity: ``x / 255`` on a uint8 array computes
    in float64 (Keras later casts to float32), ``x.astype('float32') / 255`` in float32; the
    two round differently in the last bit.
    """

    divisor: float | None = None
    offset: float = 0.0
    arithmetic_dtype: str = "float32"

    def apply(self, features: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
        values = features.astype(self.arithmetic_dtype)
        if self.divisor is not None:
            values = values / values.dtype.type(self.divisor)
        if self.offset:
            values = values + values.dtype.type(self.offset)
        values = values.astype(np.float32)
        if any(size is None for size in input_shape):  # an axis of variable length: the arrays say
            return values
        if values.shape[1:] != tuple(input_shape):
            if math.prod(values.shape[1:]) != math.prod(input_shape):
                raise ValueError(f"features of shape {values.shape[1:]} cannot be reshaped to the input shape {tuple(input_shape)}")
            values = values.reshape(len(values), *input_shape)
        return values


@dataclass(frozen=True)
class Augmentation:
    """The ``ImageDataGenerator`` arguments a recipe trains with."""

    rotation_range: float = 0.0  # degrees, drawn uniformly in [-range, range] per image
    width_shift_range: float = 0.0  # fraction of the width, continuous
    height_shift_range: float = 0.0  # fraction of the height, continuous
    horizontal_flip: bool = False
    fill_mode: str = defaults.AUGMENTATION_FILL_MODE_KERAS_DEFAULT


@dataclass(frozen=True)
class ValidationHoldout:
    """A fixed, seeded random ``count`` of training images held out for per-epoch validation
    and passed to ``fit(validation_data=...)``; the same indices in both frameworks."""

    count: int

    def describe(self) -> str:
        return f"{self.count:,} images held out of the training set (fixed seeded indices)"


@dataclass(frozen=True)
class ValidationSplit:
    """Keras's ``fit(validation_split=fraction)``: the LAST ``fraction`` of the training
    arrays, before any shuffling, split at ``floor(n * (1 - fraction))`` as Keras does."""

    fraction: float

    def split_at(self, count: int) -> int:
        return int(math.floor(count * (1.0 - self.fraction)))

    def describe(self) -> str:
        return f"the last {self.fraction:.0%} of the training arrays (Keras validation_split)"


@dataclass(frozen=True)
class ValidationOnTest:
    """Keras's ``fit(validation_data=(x_test, y_test))``: the test split, scored after every epoch."""

    def describe(self) -> str:
        return "the test split (Keras validation_data=(x_test, y_test))"


Validation = ValidationHoldout | ValidationSplit | ValidationOnTest


@dataclass(frozen=True)
class InputNoise:
    """A listing's ``noise(array)``: ``clip(array + factor * N(0, 1), 0, 1)`` on the preprocessed
    inputs, in float64 (float32 arrays plus NumPy's float64 draws), drawn once per split from
    ``seed`` by the data layer and served as the same bytes to both frameworks."""

    factor: float
    seed: int
    low: float = 0.0
    high: float = 1.0


@dataclass(frozen=True)
class Phase:
    """One ``fit()`` call of a listing that calls ``fit()`` more than once on the same compiled
    model (the optimizer's state carries over, as in Keras): its epochs, and noise added to its
    inputs (training and validation) if any."""

    epochs: int
    input_noise: InputNoise | None = None


@dataclass(frozen=True)
class ReportedResult:
    """What the tutorial's article printed. Fractions, not percentages."""

    test_accuracy: float | None = None
    test_loss: float | None = None
    train_accuracy: float | None = None
    predictions: tuple[int, ...] | None = None
    note: str = ""


@dataclass(frozen=True)
class Evidence:
    """What the test suite runs for this recipe and what it holds it to: the one place a
    model's expectations live, so tests iterate the registry and never list models."""

    # make parity: seeds per framework at the full schedule, and the margin (percentage points)
    # within which the 90% Welch interval of the mean test-accuracy difference must lie.
    outcome_seeds: int = 5
    outcome_margin_points: float = 0.5
    # The full-schedule runs of both frameworks (accuracy or loss targets) in the default suite; else in make slow.
    full_run_in_default_suite: bool = True
    # Training samples for the quick tests (a few dozen steps, short fits, the parity suite's
    # warm-up of the Keras model); None: all of them.
    quick_samples: int | None = 2_000
    # The fraction by which 48 quick steps on those samples must lower the training loss.
    quick_loss_drop: float = 0.10
    # Convolution-sized models: their slowest checks (torch.compile of the step, long
    # trajectories) run in make parity rather than the default suite.
    heavy: bool = False
    # The benchmark on a CPU: time epochs of the first this many training images (None: all),
    # for models whose full epoch takes minutes there; samples/s is what compares.
    benchmark_cpu_samples: int | None = None
    # Whether the speed targets (port/floor, port faster than Keras) apply; else reported only.
    speed_targeted: bool = False
    # Steps of the parity suite's training trajectory from identical weights (with the
    # recipe's augmentation parameters and dropout masks injected into both frameworks),
    # judged against the float64 truth; 0: none.
    trajectory_steps: int = 0
    # The schedule the outcome rows train (make parity), where it is not the recipe's own: a
    # tutorial whose listing trains a demonstration-sized run declares the full-data one here.
    # None: the recipe's epochs; "all": every training sample (lifting the recipe's train_samples;
    # the accuracy target then holds for this schedule, the listing's being a demonstration).
    outcome_epochs: int | None = None
    outcome_train_samples: int | str | None = None
    # What the outcome rows compare: "accuracy" (percentage points, outcome_margin_points) or
    # "loss" (the test loss, relative to Keras's mean: outcome_margin_relative).
    outcome_metric: str = "accuracy"
    outcome_margin_relative: float | None = None
    # Whether the recipe's accuracy_target (or loss_target) holds for the outcome schedule
    # rather than the recipe's own: where the listing's run is a demonstration (one epoch on
    # 1,000 images) or longer than this project can train in both frameworks (the
    # autoencoder's 150 epochs). The README says which figure each target is measured against.
    targets_on_outcome_schedule: bool = False
    # An extra outcome figure for a sequence of class outputs (one class per step): the share
    # of test samples whose every step is predicted right (result.json's test "exact_answers").
    exact_answers: bool = False


# compile(loss=..., loss_weights=..., metrics=...) as a recipe writes them: one value for every
# output, or per output (a tuple in output order, or a dict by output name), as Keras takes them.
LossArgument = str | LossSpec | tuple | dict | None


@dataclass(frozen=True, kw_only=True)
class Recipe:
    name: str
    description: str  # one line: data set, layers, optimizer
    article: Article
    dataset: str  # a key of lightning_port.data.datasets.DATASETS
    # The model: a stack of layers as ``keras.Sequential([...])`` lists them (a tuple), or a
    # Functional ``Model(inputs, outputs)`` (``lightning_port.spec.Model``).
    layers: tuple[LayerKind, ...] | LayerKind
    # Keras convention: channels last, no batch dimension. A stack needs it; a Model's comes
    # from its Input (left None here, filled in for a one-input model).
    input_shape: tuple[int, ...] | None = None
    preprocessing: Preprocessing
    optimizer: OptimizerSpec | None  # None: a ported model without a compile config (not trainable)
    loss: LossArgument  # as compile(loss=...) takes it: a name or a spec, or one per output; None: not compiled
    # compile(loss_weights=...): None (1 for every output), a tuple per output, or a dict by output name.
    loss_weights: tuple[float, ...] | dict | None = None
    # compile(metrics=...): names Keras resolves ("accuracy", "acc", "mae", "mse"), for every
    # output; or per output (a tuple of tuples, or a dict by output name). Logged as Keras names them.
    metrics: tuple = ("accuracy",)
    epochs: int
    batch_size: int
    # fit() on the first this many training samples, as a listing slicing x_train[:N] does
    # (applied before a validation_split, as Keras splits what fit() is given); None: all.
    train_samples: int | None = None
    # Several fit() calls on the same model (epochs = their sum); empty: one fit() of ``epochs``.
    phases: tuple[Phase, ...] = ()
    # "labels": the data set's labels; "inputs": the model's own preprocessed (clean) inputs,
    # as an autoencoder's fit(x, x).
    targets: str = "labels"
    parameter_count: int  # as stated by the tutorial/spec; tests hold both models to it
    reported: ReportedResult
    # Accuracy the full-length run must reach: the tutorial's figure less a noise margin.
    accuracy_target: float
    # For a model whose outcome is a loss (Evidence.outcome_metric "loss"): the test loss the
    # full-length run (or the outcome schedule's, Evidence.targets_on_outcome_schedule) must
    # stay under.
    loss_target: float | None = None
    seed: int | None = None  # the tutorial's own seed, when it sets one
    validation: Validation | None = None
    augmentation: Augmentation | None = None
    # "test": the data set's test split; "train": the training data itself (Pima tutorial).
    evaluate_on: str = "test"
    evidence: Evidence = field(default_factory=Evidence)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The "arrays" data set: an .npz file (absolute, or relative to the data root) holding
    # x_train and y_train, and x_test and y_test when there is a test split.
    data_file: str = ""

    def __post_init__(self):
        if self.phases and sum(phase.epochs for phase in self.phases) != self.epochs:
            raise ValueError(f"{self.name}: epochs={self.epochs} is not the sum of its phases' epochs")
        if isinstance(self.layers, list):
            object.__setattr__(self, "layers", tuple(self.layers))
        if self.input_shape is None and len(self.graph.inputs) == 1:
            object.__setattr__(self, "input_shape", self.graph.inputs[0].shape)
        elif self.input_shape is not None:
            object.__setattr__(self, "input_shape", tuple(self.input_shape))
            if self.graph.input_shapes != (self.input_shape,):
                raise ValueError(f"{self.name}: input_shape {self.input_shape} is not the model's input shape {self.graph.input_shapes}")

    def phase_of_epoch(self, epoch: int, epochs: int | None = None) -> Phase | None:
        """The phase a (0-based) epoch belongs to; a run of another length than the recipe's
        scales the phases to it (the outcome rows' shorter schedules, ``Evidence``)."""
        if not self.phases:
            return None
        bounds = phase_bounds(tuple(phase.epochs for phase in self.phases), self.epochs if epochs is None else epochs)
        for phase, end in zip(self.phases, bounds):
            if epoch < end:
                return phase
        return self.phases[-1]

    @property
    def default_seed(self) -> int:
        return DEFAULT_SEED if self.seed is None else self.seed

    # ---- the model ----
    @functools.cached_property
    def graph(self) -> Graph:
        """The model as a graph of layer calls, every layer named (``layers.graph``)."""
        layers = self.layers
        if isinstance(layers, tuple):
            if self.input_shape is None:
                raise ValueError(f"{self.name}: a stack of layers needs input_shape=(...)")
            return Graph.stack(tuple(self.input_shape), layers).resolved()
        if layers.keras_class == "Sequential":
            if self.input_shape is None:
                raise ValueError(f"{self.name}: a Sequential model needs input_shape=(...)")
            return Graph.stack(tuple(self.input_shape), layers.layers, name=layers.name).resolved()
        if layers.keras_class == "Functional":
            return layers.graph.resolved()
        raise TypeError(f"{self.name}: layers must be a tuple of layers, a Sequential or a Model, not {type(layers).__name__}")

    @property
    def is_stack(self) -> bool:
        """Written as a Sequential stack (a tuple of layers)."""
        return isinstance(self.layers, tuple)

    def summary(self) -> list[LayerSummary]:
        return summarize(self.graph)

    @property
    def input_shapes(self) -> tuple[tuple[int, ...], ...]:
        return self.graph.input_shapes

    @property
    def output_names(self) -> tuple[str, ...]:
        return self.graph.output_names()

    @property
    def output_shapes(self) -> tuple[tuple[int, ...], ...]:
        return self.graph.output_shapes

    def _single(self, what: str):
        if len(self.graph.outputs) != 1:
            raise ValueError(f"{self.name} has {len(self.graph.outputs)} outputs; {what} is per output")

    @property
    def output_activations(self) -> tuple[str | None, ...]:
        from lightning_port.layers.graph import final_activation

        return tuple(final_activation(self.graph, reference) for reference in self.graph.outputs)

    @property
    def output_activation(self) -> str | None:
        self._single("output_activation")
        return self.output_activations[0]

    @property
    def output_units(self) -> int:
        self._single("output_units")
        return self.output_shapes[0][-1]

    # ---- compile() ----
    def _per_output(self, value, what: str) -> tuple:
        names = self.output_names
        if isinstance(value, dict):
            unknown = set(value) - set(names)
            if unknown:
                raise ValueError(f"{self.name}: {what} names outputs {sorted(unknown)}; the outputs are {list(names)}")
            return tuple(value.get(name) for name in names)
        if isinstance(value, tuple) and len(names) > 1:
            if len(value) != len(names):
                raise ValueError(f"{self.name}: {what} has {len(value)} entries for {len(names)} outputs")
            return value
        return (value,) * len(names)

    @property
    def output_losses(self) -> tuple[LossSpec | None, ...]:
        """Each output's loss (Keras 3 applies one loss given for all to each output)."""
        return tuple(None if loss is None else resolve_loss(loss) for loss in self._per_output(self.loss, "loss"))

    @property
    def output_loss_weights(self) -> tuple[float, ...]:
        if self.loss_weights is None:
            return (1.0,) * len(self.output_names)
        return tuple(1.0 if weight is None else float(weight) for weight in self._per_output(self.loss_weights, "loss_weights"))

    @property
    def output_metrics(self) -> tuple[tuple[str, ...], ...]:
        metrics = self.metrics
        if isinstance(metrics, dict):
            return tuple(tuple(metrics.get(name) or ()) if not isinstance(metrics.get(name), str) else (metrics[name],) for name in self.output_names)
        if len(self.output_names) > 1 and metrics and all(isinstance(item, tuple) for item in metrics):
            return self._per_output(tuple(tuple(item) for item in metrics), "metrics")
        return (tuple(metrics),) * len(self.output_names)

    @property
    def loss_spec(self) -> LossSpec | None:
        self._single("loss_spec")
        return None if self.loss is None else self.output_losses[0]

    @property
    def trainable(self) -> bool:
        """Whether the recipe says how to train (a model ported without compile() does not)."""
        return self.optimizer is not None and self.loss is not None

    @property
    def outputs_are_logits(self) -> tuple[bool, ...]:
        """Per output: Keras on TensorFlow computes a categorical or binary crossentropy from the
        logits of a final softmax or sigmoid when the loss expects probabilities
        (``_get_logits``: the activation leaves its input on the output as ``_keras_logits``,
        whichever of the two it is). The backbone then returns those logits and the loss uses
        its logits form (keras_compat.losses)."""
        reads = []
        for loss, activation in zip(self.output_losses, self.output_activations):
            recovered = isinstance(loss, (CategoricalCrossentropy, BinaryCrossentropy)) and not loss.from_logits
            reads.append(recovered and activation in ("softmax", "sigmoid"))
        return tuple(reads)

    @property
    def loss_reads_logits(self) -> bool:
        self._single("loss_reads_logits")
        return self.outputs_are_logits[0]

    @property
    def num_classes(self) -> int:
        """Classes the accuracy counts over: the output units of a softmax-style output, 2 for one unit."""
        units = self.output_units
        return units if units > 1 else 2

    @property
    def targets_are_class_indices(self) -> bool:
        """The port feeds class indices (not one-hot rows) to categorical losses; Keras's
        categorical crossentropy on one-hot rows is cross entropy on those indices."""
        return isinstance(self.loss_spec, (CategoricalCrossentropy, SparseCategoricalCrossentropy))

    @property
    def is_image_model(self) -> bool:
        """Rank-3 inputs (height, width, channels)."""
        return self.input_shape is not None and len(self.input_shape) == 3


def phase_bounds(phase_epochs: tuple[int, ...], epochs: int) -> list[int]:
    """Each phase's last epoch (exclusive) in a run of ``epochs``, given the phases' own
    epochs: those when they sum to it, else scaled in proportion (each at least one epoch; the
    last phase ends the run)."""
    total = sum(phase_epochs)
    if epochs == total:
        lengths = list(phase_epochs)
    else:
        lengths = [max(1, round(count * epochs / total)) for count in phase_epochs[:-1]]
        lengths.append(max(1, epochs - sum(lengths)))
    bounds, end = [], 0
    for length in lengths:
        end += length
        bounds.append(end)
    return bounds
