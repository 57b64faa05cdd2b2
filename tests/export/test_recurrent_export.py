"""The exported LSTM (keras_rules.KerasLSTM) and RepeatVector on the options addition_rnn does not
use: no bias, another kernel initializer, an LSTM over an LSTM's sequence; run where
lightning_port cannot be imported, the exported code gives the framework backbone's outputs
and training steps bit for bit (proof checks (a) and (b); the tutorial itself, with (c)
against Keras, is proven in make parity)."""

from __future__ import annotations

import dataclasses

import torch

from lightning_port.export.exporter import export_recipe
from lightning_port.export.proof import prove_export
from lightning_port.models import build_backbone
from lightning_port.registry import get_recipe
from lightning_port.spec import LSTM, Dense, RepeatVector


def test_an_lstm_without_bias_and_a_sequence_lstm_are_the_port(tmp_path):
    recipe = dataclasses.replace(
        get_recipe("addition_rnn"), name="small_rnn", epochs=1, phases=(),
        layers=(
            LSTM(6, use_bias=False, kernel_initializer="he_uniform", return_sequences=True),
            LSTM(5),
            RepeatVector(4),
            LSTM(4, return_sequences=True, unit_forget_bias=False, bias_initializer="random_normal"),
            Dense(12, activation="softmax"),
        ),
        parameter_count=None,
    )
    torch.manual_seed(0)
    state = build_backbone(recipe).state_dict()
    export = export_recipe(recipe, tmp_path / "small_rnn", state)
    model = export.files["model.py"]
    assert "KerasLSTM(12, 6, bias=False, return_sequences=True)" in model and "repeat_interleave(4, dim=1)" in model
    report = prove_export(export, tmp_path / "small_rnn", state)
    assert report.passed, "\n".join(report.lines())
    assert [check.name for check in report.checks][:4] == [
        "isolation", "(a) logits of the framework backbone", "(a) predictions of the framework backbone",
        "(b) 3 training steps of batch 32 of the framework module",
    ]
