"""Pima diabetes: 768 rows; scored on the training data as the tutorial does, or on a hold-out."""

from lightning_port.datamodules.base import TutorialDataModule


class PimaDataModule(TutorialDataModule):
    """``holdout_fraction`` (e.g. 0.2) trains on a stratified remainder and also scores the
    held-out rows; the hold-out is then the reported "test" figure."""

    dataset = "pima"
