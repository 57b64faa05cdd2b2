"""What the exporter does not write is refused in one line naming the node and class (or the
option); a layer kind defined without the export hook stays valid everywhere else."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import pytest

from lightning_port.export.exporter import ExportError, export_sources
from lightning_port.layers.base import LayerKind
from lightning_port.registry import get_recipe
from lightning_port.spec import LSTM, SGD, Adadelta, Adam, Dense, DepthwiseConv2D, Flatten, Recipe


def _recipe(layers, input_shape=(6, 6, 2), optimizer=None, **fields) -> Recipe:
    base = get_recipe("mnist_mlp")
    return dataclasses.replace(base, name="small", layers=tuple(layers), input_shape=input_shape, optimizer=optimizer or Adam(), **fields)


def _refusal(recipe) -> str:
    with pytest.raises(ExportError) as raised:
        export_sources(recipe)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_kind_without_an_export_is_refused_naming_node_and_class():
    message = _refusal(_recipe([DepthwiseConv2D((3, 3), name="depthwise"), Flatten(), Dense(10, "softmax")]))
    assert message == "node 'depthwise' (DepthwiseConv2D): the exporter does not write DepthwiseConv2D layers yet"


@dataclass(frozen=True)
class Doubling(LayerKind):
    """A kind as another engineer might add it, with a torch module but no export hook."""

    keras_class: ClassVar[str] = "Doubling"

    def build(self, input_shape, context):
        from torch import nn

        return nn.Identity()


def test_a_new_kind_without_the_hook_is_a_clean_refusal():
    message = _refusal(_recipe([Doubling(name="twice"), Flatten(), Dense(10, "softmax")], input_shape=(4,)))
    assert message == "node 'twice' (Doubling): the exporter does not write Doubling layers yet"


@pytest.mark.parametrize(
    "optimizer, expected",
    [
        (Adadelta(), "optimizer Adadelta is not exported yet; exported: SGD, Adam, RMSprop"),
        (SGD(clipnorm=1.0), "SGD: option clipnorm=1.0 is not exported yet"),
        (Adam(amsgrad=True), "Adam: amsgrad=True is not exported yet"),
    ],
)
def test_an_optimizer_or_option_not_exported_is_refused(optimizer, expected):
    assert _refusal(_recipe([Flatten(), Dense(10, "softmax")], optimizer=optimizer)) == expected


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"go_backwards": True}, "option go_backwards=True is not exported yet (only go_backwards=False)"),
        ({"dropout": 0.2}, "option dropout=0.2 is not exported yet (only dropout=0.0)"),
        ({"recurrent_dropout": 0.1}, "option recurrent_dropout=0.1 is not exported yet (only recurrent_dropout=0.0)"),
        ({"activation": "relu"}, "option activation='relu' is not exported yet (only activation='tanh')"),
        ({"recurrent_activation": "hard_sigmoid"}, "option recurrent_activation='hard_sigmoid' is not exported yet (only recurrent_activation='sigmoid')"),
    ],
)
def test_an_lstm_option_not_exported_is_refused_in_one_line(options, expected):
    message = _refusal(_recipe([LSTM(4, name="lstm", **options), Dense(10, "softmax")], input_shape=(5, 3)))
    assert message == f"node 'lstm' (LSTM): {expected}"


def test_the_command_line_refuses_in_one_line_and_writes_nothing(tmp_path):
    from tests.cli.scripts import last_error_line, run_script

    completed = run_script("export.py", "--model", "nope", "--output", str(tmp_path / "out"), timeout=120)
    assert completed.returncode == 1 and last_error_line(completed).startswith("export.py: error: unknown model 'nope'; valid names: ")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    completed = run_script("export.py", "--model", "mnist_mlp", "--output", str(tmp_path / "mine"), timeout=120)
    assert last_error_line(completed) == f"export.py: error: {tmp_path / 'mine'} holds other files (notes.txt); choose another --output or remove them"
    assert sorted(path.name for path in (tmp_path / "mine").iterdir()) == ["notes.txt"]
    assert not (tmp_path / "out").exists()
