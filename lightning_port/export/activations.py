"""Keras's activation functions as exported code: the expression each becomes, the same
operations as ``ops.activations`` computes them (where torch's own function is Keras's, it is
called; otherwise a ``keras_rules.py`` function says what differs)."""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.layers.emit import NotExportable, Rule
from lightning_port.ops.activations import float32_constant

_FUNCTIONAL = "import torch.nn.functional as F"

_SELU = Rule(
    "selu",
    '''def selu(x):
    """Keras's selu with TensorFlow's derivative at 0 (the positive branch's; torch's F.selu takes
    the negative branch's there, and freshly initialised networks meet exact zeros)."""
    return torch.where(x < 0, 1.0507009873554805 * 1.6732632423543772 * torch.expm1(x), 1.0507009873554805 * x)
''',
    imports=("import torch",),
)
_GELU = Rule(
    "gelu",
    '''def gelu(x):
    """Keras's gelu (approximate=False) as TensorFlow computes it: 0.5 x erfc(-x / sqrt(2)), with
    1 / sqrt(2) rounded to float32 as TensorFlow holds it."""
    return 0.5 * x * torch.special.erfc(-x * 0.7071067690849304)
''',
    imports=("import torch",),
)
_HARD_SIGMOID = Rule(
    "hard_sigmoid",
    '''def hard_sigmoid(x):
    """Keras 3's hard_sigmoid, relu6(x + 3) / 6, written out: torch's F.hardsigmoid scales its
    gradient by a float32 1/6."""
    return F.relu6(x + 3.0) / 6.0
''',
    imports=(_FUNCTIONAL,),
)


@dataclass(frozen=True)
class ActivationCode:
    template: str  # "{}" stands for the argument
    along_last_axis: bool = False  # reads Keras's last axis (softmax): needs the channels-last layout
    rule: Rule | None = None
    imports: tuple[str, ...] = ()


ACTIVATION_CODE: dict[str, ActivationCode] = {
    "relu": ActivationCode("torch.relu({})"),
    "sigmoid": ActivationCode("torch.sigmoid({})"),
    "tanh": ActivationCode("torch.tanh({})"),
    "exponential": ActivationCode("torch.exp({})"),
    "softmax": ActivationCode("torch.softmax({}, dim=-1)", along_last_axis=True),
    "log_softmax": ActivationCode("F.log_softmax({}, dim=-1)", along_last_axis=True, imports=(_FUNCTIONAL,)),
    "elu": ActivationCode("F.elu({})", imports=(_FUNCTIONAL,)),
    "relu6": ActivationCode("F.relu6({})", imports=(_FUNCTIONAL,)),
    "softplus": ActivationCode("F.softplus({})", imports=(_FUNCTIONAL,)),
    "softsign": ActivationCode("F.softsign({})", imports=(_FUNCTIONAL,)),
    "silu": ActivationCode("F.silu({})", imports=(_FUNCTIONAL,)),
    "swish": ActivationCode("F.silu({})", imports=(_FUNCTIONAL,)),
    "mish": ActivationCode("F.mish({})", imports=(_FUNCTIONAL,)),
    "hard_tanh": ActivationCode("F.hardtanh({})", imports=(_FUNCTIONAL,)),
    "log_sigmoid": ActivationCode("F.logsigmoid({})", imports=(_FUNCTIONAL,)),
    "tanh_shrink": ActivationCode("F.tanhshrink({})", imports=(_FUNCTIONAL,)),
    # Keras's function default slope (0.2), held as a float32 by tf.nn.leaky_relu.
    "leaky_relu": ActivationCode(f"F.leaky_relu({{}}, {float32_constant(0.2)!r})", imports=(_FUNCTIONAL,)),
    "selu": ActivationCode("selu({})", rule=_SELU),
    "gelu": ActivationCode("gelu({})", rule=_GELU),
    "hard_sigmoid": ActivationCode("hard_sigmoid({})", rule=_HARD_SIGMOID),
    "hard_silu": ActivationCode("{0} * hard_sigmoid({0})", rule=_HARD_SIGMOID),
    "hard_swish": ActivationCode("{0} * hard_sigmoid({0})", rule=_HARD_SIGMOID),
}


def activation_code(name: str, where: str) -> ActivationCode:
    code = ACTIVATION_CODE.get(name)
    if code is None:
        raise NotExportable(f"{where}: activation {name!r} is not exported yet; exported: {', '.join(sorted(ACTIVATION_CODE))}")
    return code
