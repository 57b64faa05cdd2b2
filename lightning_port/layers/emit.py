"""What a layer kind writes into an exported model (``scripts/export.py``, ``lightning_port.export``).

An exported model is plain torch code: one attribute per Keras layer, named after it, and a
``forward`` written line by line in Keras's order. Each kind says, in its own module, what it
contributes (``LayerKind.emit``): the attribute's constructor, the expression its call becomes,
Keras's initializers as ``nn.init`` lines, and the pieces of ``keras_rules.py`` it needs (Keras
behaviour torch does not give, each a ``Rule`` with a comment saying why). The exported code
performs the same operations in the same order as the kind's framework module, so that the
exported model gives the framework's outputs bit for bit (``export.proof`` checks it).

Layouts. Keras's images are channels-last; torch's spatial layers take channels first. An
exported model keeps each tensor in the layout its layers want and permutes between them (a
view, no copy): a kind declares ``export_layout`` -- ``CHANNELS_FIRST`` (it calls torch's
convolutions, pooling, ...), ``CHANNELS_LAST`` (it reads Keras's last axis, or Keras's memory
order: Dense, Flatten), or ``EITHER`` (elementwise; its output keeps its input's layout). The
permuted tensors are views of the same memory the framework's modules compute on, so torch's
kernels see identical strides either way.

A kind without ``emit`` refuses: the export stops with one line naming the node and class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHANNELS_FIRST = "channels_first"
CHANNELS_LAST = "channels_last"
EITHER = "either"


class NotExportable(ValueError):
    """A layer (or option) the exporter does not write; the message is one line."""


@dataclass(frozen=True)
class Rule:
    """One definition of ``keras_rules.py``: a function or class (``name``) with its source,
    whose docstring or comment says what Keras does that torch does not. ``imports``: the import
    lines its source needs; ``requires``: rules it calls."""

    name: str
    source: str
    imports: tuple[str, ...] = ()
    requires: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class EmitContext:
    """What a kind is told when it writes one call of its layer."""

    module: str  # the layer's attribute, e.g. "self.conv2d"
    arguments: tuple[str, ...]  # the input variables, already in the layout the kind asked for
    input_shape: tuple | list  # Keras's convention (channels last, no batch axis); a list for a merge
    layout: str  # CHANNELS_FIRST or CHANNELS_LAST: the layout the arguments are in
    where: str  # "node 'conv2d' (Conv2D)", for refusals

    @property
    def argument(self) -> str:
        return self.arguments[0]


@dataclass(frozen=True)
class Emitted:
    """One layer's contribution to ``model.py``.

    ``call``: the expression its call becomes (its activation is applied around it by the
    exporter); ``module``: the constructor of its attribute (None: the layer is an expression
    of its input only); ``initialization``: lines with ``{}`` standing for the attribute,
    Keras's initializers (torch's layers start from other distributions); ``rules``: the
    ``keras_rules.py`` definitions it uses; ``imports``: import lines ``model.py`` needs for it
    (``torch``, ``nn`` and the rules are imported by the exporter)."""

    call: str
    module: str | None = None
    initialization: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    imports: tuple[str, ...] = ()
    # Keras initializer names, for the docstring: (kernel, bias, recurrent kernel), "" for none
    initializers: tuple[str, ...] = field(default=(), compare=False)


def call_arguments(*positional, **keywords) -> str:
    """``1, 32, 3, stride=2``: positional values and the keywords that are not None."""
    parts = [repr(value) for value in positional]
    parts += [f"{name}={value!r}" for name, value in keywords.items() if value is not None]
    return ", ".join(parts)


def compact(pair) -> int | tuple:
    """A pair written as torch's layers take it: one int when both are equal."""
    pair = tuple(pair)
    return pair[0] if len(set(pair)) == 1 else pair


# ---- Keras's initializers in torch (ops/initializers.py is the framework's side) ----

# torch's own functions where they draw from Keras's distribution: their fans on torch's weight
# layout equal Keras's on its own (ops/initializers.py says why).
_TORCH_INITIALIZERS = {
    "glorot_uniform": "nn.init.xavier_uniform_({})",
    "he_uniform": 'nn.init.kaiming_uniform_({}, nonlinearity="relu")',
    "lecun_uniform": 'nn.init.kaiming_uniform_({}, nonlinearity="linear")',
    "zeros": "nn.init.zeros_({})",
    "ones": "nn.init.ones_({})",
    "uniform": "nn.init.uniform_({}, -0.05, 0.05)",
    "random_uniform": "nn.init.uniform_({}, -0.05, 0.05)",
    "random_normal": "nn.init.normal_({}, 0.0, 0.05)",
    "orthogonal": "nn.init.orthogonal_({})",
}

TRUNCATED_NORMAL = Rule(
    "variance_scaling_truncated_normal_",
    '''def variance_scaling_truncated_normal_(tensor, scale, mode):
    """Keras's glorot_normal, he_normal and lecun_normal: a normal truncated at two standard
    deviations whose standard deviation is divided by 0.8796... so that the truncated
    distribution keeps the variance scale / fan (torch's xavier_normal_ and kaiming_normal_ draw
    an untruncated normal)."""
    receptive_field = tensor[0][0].numel()  # torch's weight layout: (out, in, *kernel)
    fan_in, fan_out = tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    stddev = math.sqrt(scale / fan) / 0.87962566103423978
    return nn.init.trunc_normal_(tensor, std=stddev, a=-2 * stddev, b=2 * stddev)
''',
    imports=("import math", "from torch import nn"),
)

_TRUNCATED = {
    "glorot_normal": (1.0, "fan_avg"),
    "he_normal": (2.0, "fan_in"),
    "lecun_normal": (1.0, "fan_in"),
}


def initialization(tensor: str, initializer: str) -> tuple[str, tuple[Rule, ...]]:
    """The line that draws ``tensor`` (e.g. ``"{}.weight"``) from a Keras initializer, and the
    rules it uses."""
    if initializer in _TORCH_INITIALIZERS:
        return _TORCH_INITIALIZERS[initializer].format(tensor), ()
    if initializer in _TRUNCATED:
        scale, mode = _TRUNCATED[initializer]
        return f'variance_scaling_truncated_normal_({tensor}, {scale}, "{mode}")', (TRUNCATED_NORMAL,)
    if initializer == "truncated_normal":
        return f"nn.init.trunc_normal_({tensor}, std=0.05, a=-0.1, b=0.1)", ()
    raise NotExportable(f"initializer {initializer!r} is not exported")


def weight_initialization(kernel_initializer: str, bias_initializer: str | None) -> dict:
    """``Emitted`` fields for a layer with a ``weight`` and (unless None) a ``bias``."""
    lines, rules, names = [], [], [kernel_initializer]
    line, needed = initialization("{}.weight", kernel_initializer)
    lines.append(line)
    rules += needed
    if bias_initializer is not None:
        line, needed = initialization("{}.bias", bias_initializer)
        lines.append(line)
        rules += needed
        names.append(bias_initializer)
    return {"initialization": tuple(lines), "rules": tuple(rules), "initializers": tuple(names)}


__all__ = [
    "CHANNELS_FIRST", "CHANNELS_LAST", "EITHER", "EmitContext", "Emitted", "NotExportable", "Rule",
    "call_arguments", "compact", "initialization", "weight_initialization",
]
