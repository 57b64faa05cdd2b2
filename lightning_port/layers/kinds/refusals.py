"""Options a kind's spec refuses when it is built, read from a Keras config as one line naming
the node: the convolution variants refuse what Keras refuses, and what TensorFlow's CPU kernels
cannot compute in float64 (the port is judged against Keras's float64 result; without it
there is no truth to judge by)."""

from __future__ import annotations

from lightning_port.layers.config import UnsupportedLayer, construct

# TensorFlow's float64 CPU kernels refuse these; its float32 results come from oneDNN alone.
NO_FLOAT64_TRUTH = "so Keras on the CPU has no float64 result to judge the port against (its float32 one comes from oneDNN alone)"


class RefusedOptions(UnsupportedLayer):
    """A spec whose options are refused; ``reason`` names the option."""

    def __init__(self, keras_class: str, reason: str):
        super().__init__(f"{keras_class}: {reason}")
        self.reason = reason


def refuse(spec) -> None:
    """Raise RefusedOptions where the spec's ``refusal()`` gives a reason."""
    reason = spec.refusal()
    if reason:
        raise RefusedOptions(spec.keras_class, reason)


def construct_refusing(kind, values: dict, where: str):
    """``construct``, a refusal reported as one line naming the node."""
    try:
        return construct(kind, values, where)
    except RefusedOptions as error:
        raise UnsupportedLayer(f"{where}: {error.reason}") from None
