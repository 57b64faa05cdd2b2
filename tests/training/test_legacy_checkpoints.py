"""Checkpoints written before the backbone ran graphs still load and train on.

The two files in tests/fixtures/legacy_checkpoints were written by scripts/train.py at commit
26fbf58 (the last commit whose backbone was an nn.Sequential named ``body``):
``pima_mlp.ckpt`` after 2 epochs (``--epochs 2``), ``mnist_convnet.ckpt`` after 1 epoch on the
first 1,024 images (``--epochs 1 --max-train-samples 1024``). The predictions below are what
scripts/predict.py printed for them at that commit, on the shared data."""

from __future__ import annotations

import pytest

from lightning_port.training.system import TutorialClassifier
from tests.cli.scripts import run_script
from tests.conftest import REPOSITORY_ROOT

FIXTURES = REPOSITORY_ROOT / "tests" / "fixtures" / "legacy_checkpoints"
PREDICTED_AT_26FBF58 = {
    "pima_mlp": [1, 0, 1, 0, 1, 1, 0, 0],
    "mnist_convnet": [7, 0, 1, 0, 4, 1, 4, 9],
}


@pytest.mark.parametrize("name", sorted(PREDICTED_AT_26FBF58))
def test_an_old_checkpoint_predicts_what_it_predicted(name, data_dir):
    completed = run_script("predict.py", "--checkpoint", str(FIXTURES / f"{name}.ckpt"), "--count", "8", "--data-dir", str(data_dir), timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert f"predicted: {PREDICTED_AT_26FBF58[name]}" in completed.stdout


def test_old_keys_become_the_keras_layer_names():
    system = TutorialClassifier.from_checkpoint(FIXTURES / "mnist_convnet.ckpt")
    assert sorted(key for key in system.state_dict() if key.startswith("backbone.")) == [
        "backbone.conv2d.bias", "backbone.conv2d.weight", "backbone.conv2d_1.bias", "backbone.conv2d_1.weight",
        "backbone.dense.bias", "backbone.dense.weight",
    ]


def test_an_old_checkpoint_resumes_training(tmp_path, data_dir):
    """Lightning restores it (weights, the optimizer's state, the data's digest) and trains on."""
    import lightning as L

    from lightning_port.data.datamodule import TutorialDataModule
    from tests.helpers import definition

    run = definition("mnist_convnet", data_dir=data_dir, epochs=2, max_train_samples=1_024)
    system = TutorialClassifier(run.recipe)
    trainer = L.Trainer(max_epochs=2, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0, limit_val_batches=0)
    trainer.fit(system, datamodule=TutorialDataModule(run), ckpt_path=FIXTURES / "mnist_convnet.ckpt")
    assert trainer.current_epoch == 2 and [row["epoch"] for row in system.history] == [1, 2]
