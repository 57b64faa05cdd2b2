"""Predict with a trained module as the tutorials do after training: the first few samples
of the scored split, served by the data module (which loads only that split)."""

from __future__ import annotations

import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.run.description import RunDefinition
from lightning_port.training.system import TutorialClassifier


@torch.no_grad()
def predict_first(system: TutorialClassifier, run: RunDefinition, count: int = 5) -> tuple[list[int], list[int]]:
    """(predicted classes, true labels) for the first ``count`` samples of the scored split."""
    datamodule = TutorialDataModule(run, augment=False, predict_count=count)
    datamodule.setup("predict")
    system.eval()
    predicted, labels = [], []
    for inputs, targets in datamodule.predict_dataloader():
        predicted += system.predicted_classes(inputs).tolist()
        labels += [int(label) for label in targets.tolist()]
    return predicted, labels


@torch.no_grad()
def losses_of_first(system: TutorialClassifier, run: RunDefinition, count: int = 5) -> list[float]:
    """Each of the first ``count`` samples' own loss (a model whose outcome is a loss: the
    autoencoder's binary crossentropy of its output against the clean image)."""
    datamodule = TutorialDataModule(run, augment=False, predict_count=count)
    datamodule.setup("predict")
    system.eval()
    losses = []
    for inputs, targets in datamodule.predict_dataloader():
        outputs = system(inputs)
        for index in range(len(targets)):
            losses.append(float(system.loss(outputs[index : index + 1], targets[index : index + 1])))
    return losses
