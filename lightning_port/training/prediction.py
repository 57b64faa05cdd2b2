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


@torch.no_grad()
def exact_answers(system: TutorialClassifier, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int = 1_024) -> float:
    """The share of samples whose every step's predicted class is right (a sequence output)."""
    from lightning_port.keras_compat.metrics import exact_answer_rate

    was_training = system.training
    system.eval()
    predicted = torch.cat([system.predicted_classes(inputs[start : start + batch_size]) for start in range(0, len(inputs), batch_size)])
    system.train(was_training)
    return exact_answer_rate(predicted.cpu().numpy(), targets.cpu().numpy())


@torch.no_grad()
def decoded_first(system: TutorialClassifier, run: RunDefinition, decode, count: int = 5) -> list[tuple[str, str, str]]:
    """(question, true answer, predicted answer) as text for the first ``count`` samples of
    the scored split, through the data set's ``decode`` (the addition listing's printout)."""
    datamodule = TutorialDataModule(run, augment=False, predict_count=count)
    datamodule.setup("predict")
    system.eval()
    rows = []
    for inputs, targets in datamodule.predict_dataloader():
        predicted = system.predicted_classes(inputs)
        for sample, truth, guess in zip(inputs.cpu().numpy(), targets.cpu().numpy(), predicted.cpu().numpy()):
            question, answer = decode(sample, truth)
            rows.append((question, answer, decode(sample, guess)[1]))
    return rows
