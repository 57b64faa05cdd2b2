"""The records of exports trained from their own train.py (docs/exports.md): the figures read
from the line each exported train.py prints, the schedule each tutorial's target holds for, and
the verdict, which a failed or diverged run never passes."""

import re

import pytest

from lightning_port.evidence.exports.measure import (
    MET,
    MISSED,
    NOT_APPLICABLE,
    judge,
    listing_schedule,
    parse_figures,
    target_schedule,
)
from lightning_port.registry import get_recipe, recipes_in_order
from tests.conftest import REPOSITORY_ROOT

# The f-string of the figures line in an exported train.py (export/train_source.py writes it).
PRINTED = re.compile(r'^    print\(f"((?:test loss|on the training data)[^"]*)"\)$', re.MULTILINE)


@pytest.mark.parametrize("name", [recipe.name for recipe in recipes_in_order()])
def test_the_figures_line_of_every_exported_train_py_is_read_back(name):
    source = (REPOSITORY_ROOT / "examples" / name / "train.py").read_text()
    (template,) = PRINTED.findall(source)
    results = {"test_loss": 0.123456, "test_accuracy": 0.987654, "test_acc": 0.987654}
    printed = eval(f"f{template!r}", {}, {"results": results})  # the committed line, formatted as train.py does
    figures = parse_figures(f"Epoch 3: 100%|...|\n{printed}\ncheckpoint: lightning_logs/x.ckpt\n")
    assert figures["loss"] == pytest.approx(0.1235)
    expected = None if get_recipe(name).evidence.outcome_metric == "loss" else pytest.approx(0.9877)
    assert figures["accuracy"] == expected


def test_a_diverged_or_silent_run_is_never_met():
    recipe = get_recipe("mnist_mlp")
    schedule = target_schedule(recipe)
    assert judge(recipe, schedule, 0, parse_figures("test loss nan, accuracy 9.80%\n"))[1] == MISSED
    assert judge(recipe, schedule, 0, parse_figures("test loss 0.1000, accuracy nan%\n"))[1] == MISSED
    assert judge(recipe, schedule, 0, parse_figures("Traceback (most recent call last):\n"))[1] == "failed (no figures printed)"
    assert judge(recipe, schedule, 1, {"loss": 0.1, "accuracy": 0.97})[1] == "failed (exit status 1)"
    assert judge(recipe, schedule, 0, {"loss": 0.1, "accuracy": 0.97}) == ("accuracy >= 96.0%", MET)


def test_a_target_on_the_outcome_schedule_trains_that_schedule_from_the_export():
    resnet = get_recipe("functional_resnet")
    assert target_schedule(resnet).options == ("--epochs", "10", "--train-samples", "0")
    autoencoder = get_recipe("mnist_autoencoder")
    assert target_schedule(autoencoder).options == ("--epochs", "2", "--denoising-epochs", "4")  # the listing's 50 + 100, scaled to 6
    assert target_schedule(get_recipe("mnist_mlp")) == listing_schedule(get_recipe("mnist_mlp"))
    # The guide's demonstration is recorded, but its target holds for the full-data schedule only.
    demo = listing_schedule(resnet)
    assert demo.description == "the listing's: 1 epochs of batch 64 on x_train[:1,000]"
    assert judge(resnet, demo, 0, {"loss": 2.28, "accuracy": 0.14})[1] == NOT_APPLICABLE
    assert judge(autoencoder, target_schedule(autoencoder), 0, {"loss": 0.1, "accuracy": None}) == ("loss <= 0.092", MISSED)


def test_every_exported_train_py_accepts_the_options_its_target_schedule_passes():
    for recipe in recipes_in_order():
        source = (REPOSITORY_ROOT / "examples" / recipe.name / "train.py").read_text()
        for option in target_schedule(recipe).options:
            if option.startswith("--"):
                assert f'"{option}"' in source, f"{recipe.name}: train.py has no {option}"


def test_the_committed_records_are_judged_as_judge_judges_them_and_the_page_is_their_rendering():
    """docs/exports: each record's target and verdict are what judge() gives for its figures and
    exit status today, and docs/exports.md is exactly the rendering of the records."""
    from lightning_port.evidence.exports import render

    folder = REPOSITORY_ROOT / "docs" / "exports"
    records = render.read_records(folder)
    assert records, f"no records in {folder}"
    for record in records:
        recipe = get_recipe(record["model"])
        schedule = {"target": target_schedule, "listing": listing_schedule}[record["schedule"]](recipe)
        assert record["schedule_description"] == schedule.description
        assert (record["target"], record["verdict"]) == judge(recipe, schedule, record["returncode"], record["test"]), record["model"]
    assert (REPOSITORY_ROOT / "docs" / "exports.md").read_text() == render.render(records)
