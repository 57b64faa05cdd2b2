"""The recipe's Keras optimizer as a ``torch.optim.Optimizer`` in ``keras_rules.py``: the update
of ``keras_compat.optimizers`` for that optimizer and the options it uses, the same operations
in the same order, written per parameter (the framework's ``torch._foreach_*`` calls run the
same kernels one tensor at a time on a CPU).

Scalars (the learning rate, Adam's step size) are computed as Keras computes them: in the
weights' dtype, hyperparameters that Keras casts through a float32 tensor rounded to float32
first, powers with the C library's pow (what TensorFlow's scalar kernels call; torch's pow on a
0-d tensor calls the same function, numpy's float32 power does not).
"""

from __future__ import annotations

from lightning_port.layers.emit import NotExportable, Rule
from lightning_port.spec import SGD, Adam, OptimizerSpec, RMSprop

KERAS_FLOAT = Rule(
    "keras_float",
    '''def keras_float(value, parameter):
    """A hyperparameter as Keras computes with it: a scalar of the weights' dtype (float32 unless
    the model was made float64)."""
    return (np.float64 if parameter.dtype == torch.float64 else np.float32)(value)
''',
    imports=("import numpy as np", "import torch"),
)

_STEP_START = '''    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
'''


def _sgd(spec: SGD) -> tuple[Rule, str]:
    if spec.momentum == 0:
        doc = '''    """keras.optimizers.SGD without momentum: w -= g * lr, the learning rate a float32 scalar as
    Keras casts it (torch.optim.SGD computes w + (-lr) * g, which rounds differently)."""'''
        signature, defaults = "lr=0.01", '{"lr": lr}'
        body = '''        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    parameter.sub_(parameter.grad * float(keras_float(group["lr"], parameter)))
'''
        arguments = ""
    else:
        nesterov = spec.nesterov
        doc = f'''    """keras.optimizers.SGD with {'Nesterov ' if nesterov else ''}momentum, whose update torch.optim.SGD's is not:
    Keras keeps the velocity m = momentum * m - lr * g (the learning rate inside it) and steps
    w += {'momentum * m - lr * g' if nesterov else 'm'}; torch accumulates the gradients and applies lr afterwards. lr and
    momentum are float32 scalars, as Keras casts them (momentum through a float32 tensor)."""'''
        signature, defaults = "lr=0.01, momentum=0.0", '{"lr": lr, "momentum": momentum}'
        update = "parameter.add_(velocity * momentum - step)" if nesterov else "parameter.add_(velocity)"
        body = f'''        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is None:
                    continue
                learning_rate = float(keras_float(group["lr"], parameter))
                momentum = float(keras_float(np.float32(group["momentum"]), parameter))
                state = self.state[parameter]
                if not state:
                    state["velocity"] = torch.zeros_like(parameter)
                velocity, step = state["velocity"], parameter.grad * learning_rate
                velocity.mul_(momentum).sub_(step)
                {update}
'''
        arguments = f", momentum={spec.momentum!r}"
    source = f'''class KerasSGD(torch.optim.Optimizer):
{doc}

    def __init__(self, params, {signature}):
        super().__init__(params, {defaults})

{_STEP_START}{body}        return loss
'''
    imports = ("import numpy as np", "import torch") if spec.momentum else ("import torch",)
    return Rule("KerasSGD", source, imports=imports, requires=(KERAS_FLOAT,)), arguments


def _adam(spec: Adam) -> tuple[Rule, str]:
    source = f'''class KerasAdam(torch.optim.Optimizer):
    """keras.optimizers.Adam, whose update torch.optim.Adam's is not: Keras folds both bias
    corrections into the step size, alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), and adds
    epsilon to the uncorrected sqrt(v); torch adds it to the bias-corrected one."""

    def __init__(self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
        super().__init__(params, {{"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon}})

    @staticmethod
    def step_size(group, step, parameter):
        """alpha as Keras computes it on TensorFlow: in the weights' dtype, the betas rounded to
        float32 first (ops.cast), the powers by the C library's pow, which torch's pow calls for a
        0-d tensor (numpy's float32 power differs in the last bit for about 1% of steps)."""
        real = np.float64 if parameter.dtype == torch.float64 else np.float32
        beta_1 = torch.tensor(real(np.float32(group["beta_1"])).item(), dtype=parameter.dtype)
        beta_2 = torch.tensor(real(np.float32(group["beta_2"])).item(), dtype=parameter.dtype)
        t = torch.tensor(float(step), dtype=parameter.dtype)
        beta_1_power, beta_2_power = real((beta_1**t).item()), real((beta_2**t).item())
        return real(group["lr"]) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)

{_STEP_START}        for group in self.param_groups:
            parameters = [parameter for parameter in group["params"] if parameter.grad is not None]
            for parameter in parameters:
                state = self.state[parameter]
                if not state:
                    state.update(step=0, momentum=torch.zeros_like(parameter), velocity=torch.zeros_like(parameter))
                state["step"] += 1
            if not parameters:
                continue
            alpha = float(self.step_size(group, self.state[parameters[0]]["step"], parameters[0]))
            for parameter in parameters:
                state, gradient = self.state[parameter], parameter.grad
                # m += (g - m) * (1 - beta_1), v += (g^2 - v) * (1 - beta_2); w -= m * alpha / (sqrt(v) + epsilon)
                state["momentum"].lerp_(gradient, 1 - group["beta_1"])
                state["velocity"].lerp_(gradient * gradient, 1 - group["beta_2"])
                parameter.sub_(state["momentum"] * alpha / (state["velocity"].sqrt() + group["epsilon"]))
        return loss
'''
    if spec.amsgrad:
        raise NotExportable("Adam: amsgrad=True is not exported yet")
    arguments = "".join(
        f", {name}={getattr(spec, name)!r}" for name, default in (("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-07)) if getattr(spec, name) != default
    )
    return Rule("KerasAdam", source, imports=("import numpy as np", "import torch")), arguments


def _rmsprop(spec: RMSprop) -> tuple[Rule, str]:
    if spec.momentum or spec.centered:
        raise NotExportable("RMSprop: momentum and centered=True are not exported yet")
    source = f'''class KerasRMSprop(torch.optim.Optimizer):
    """keras.optimizers.RMSprop, whose update torch.optim.RMSprop's is not: Keras puts epsilon
    inside the square root, w -= lr * g / sqrt(v + epsilon), torch adds it outside; the learning
    rate is a float32 scalar, as Keras casts it."""

    def __init__(self, params, lr=0.001, rho=0.9, epsilon=1e-07):
        super().__init__(params, {{"lr": lr, "rho": rho, "epsilon": epsilon}})

{_STEP_START}        for group in self.param_groups:
            rho = group["rho"]
            for parameter in group["params"]:
                if parameter.grad is None:
                    continue
                state, gradient = self.state[parameter], parameter.grad
                if not state:
                    state["velocity"] = torch.zeros_like(parameter)
                # v = rho * v + (1 - rho) * g^2
                state["velocity"].mul_(rho).add_(gradient * gradient * (1 - rho))
                learning_rate = float(keras_float(group["lr"], parameter))
                parameter.sub_(gradient * learning_rate / (state["velocity"] + group["epsilon"]).sqrt())
        return loss
'''
    arguments = "".join(
        f", {name}={getattr(spec, name)!r}" for name, default in (("rho", 0.9), ("epsilon", 1e-07)) if getattr(spec, name) != default
    )
    return Rule("KerasRMSprop", source, imports=("import torch",), requires=(KERAS_FLOAT,)), arguments


_WRITERS = {SGD: _sgd, Adam: _adam, RMSprop: _rmsprop}


def optimizer_code(spec: OptimizerSpec) -> tuple[Rule, str]:
    """(the optimizer's rule, its constructor's arguments after the parameters and the learning
    rate, each as ", name=value"); one-line
    NotExportable for an optimizer or option not exported."""
    name = type(spec).__name__
    writer = _WRITERS.get(type(spec))
    if writer is None:
        raise NotExportable(f"optimizer {name} is not exported yet; exported: {', '.join(cls.__name__ for cls in _WRITERS)}")
    if not isinstance(spec.learning_rate, (int, float)):
        raise NotExportable(f"{name}: a learning-rate schedule ({type(spec.learning_rate).__name__}) is not exported yet")
    for option in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"):
        if getattr(spec, option, None) is not None:
            raise NotExportable(f"{name}: option {option}={getattr(spec, option)!r} is not exported yet")
    return writer(spec)
