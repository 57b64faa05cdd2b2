"""The records of exports trained from their own train.py (docs/exports.md): the figures read
from train.py's last line, and the schedule each tutorial's target holds for."""

import pytest

from lightning_port.evidence.exports.measure import listing_schedule, parse_figures, target_schedule
from lightning_port.evidence.exports.render import target_text
from lightning_port.registry import get_recipe


def test_the_last_figures_line_is_read_in_every_form_train_py_prints():
    output = "Epoch 1: ...\ntest loss 0.1712, accuracy 95.05%\ncheckpoint: x.ckpt\n"
    assert parse_figures(output) == {"loss": 0.1712, "accuracy": pytest.approx(0.9505)}
    assert parse_figures("test loss 2.2815, acc 14.48%\n") == {"loss": 2.2815, "accuracy": pytest.approx(0.1448)}
    assert parse_figures("test loss 0.0978\n") == {"loss": 0.0978, "accuracy": None}
    assert parse_figures("on the training data: loss 0.4882, accuracy 76.04%\n") == {"loss": 0.4882, "accuracy": pytest.approx(0.7604)}
    assert parse_figures("Traceback (most recent call last):\n") is None


def test_a_target_on_the_outcome_schedule_trains_that_schedule_from_the_export():
    resnet = target_schedule(get_recipe("functional_resnet"))
    assert resnet.options == ("--epochs", "10", "--train-samples", "0")
    autoencoder = target_schedule(get_recipe("mnist_autoencoder"))
    assert autoencoder.options == ("--epochs", "2", "--denoising-epochs", "4")  # the listing's 50 + 100, scaled to 6
    assert target_schedule(get_recipe("mnist_mlp")) == listing_schedule(get_recipe("mnist_mlp"))
    assert listing_schedule(get_recipe("functional_resnet")).description == "the listing's: 1 epochs of batch 64 on x_train[:1,000]"


def test_a_target_is_judged_only_on_the_schedule_it_holds_for():
    demo = {"model": "functional_resnet", "schedule": "listing", "test": {"loss": 2.28, "accuracy": 0.14}}
    assert target_text(demo)[1] is None
    full = demo | {"schedule": "target", "test": {"loss": 0.8, "accuracy": 0.70}}
    assert target_text(full) == ("accuracy >= 66.0%", True)
    missed = {"model": "mnist_autoencoder", "schedule": "target", "test": {"loss": 0.1, "accuracy": None}}
    assert target_text(missed) == ("loss <= 0.092", False)
