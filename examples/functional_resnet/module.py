"""functional_resnet as a LightningModule: the model of model.py trained as the Keras listing compiles it
(categorical crossentropy, Keras's RMSprop, acc)."""

import lightning as L
import torch.nn.functional as F
from torchmetrics import MeanMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from keras_rules import KerasRMSprop
from model import ToyResnet


class LitToyResnet(L.LightningModule):
    """ToyResnet trained as the listing's compile() says; lr: the learning rate (the listing's by default)."""

    def __init__(self, lr=0.001):
        super().__init__()
        self.save_hyperparameters()
        self.model = ToyResnet()
        # Keras reports an epoch's loss as the mean of its batch losses, each weighted by the batch's size.
        self.train_loss, self.val_loss, self.test_loss = MeanMetric(), MeanMetric(), MeanMetric()
        # compile(metrics=["acc"]) on 10 classes: the hit rate of the argmax, over the epoch.
        metrics = MetricCollection({"acc": MulticlassAccuracy(num_classes=10, average="micro")})
        self.train_metrics = metrics.clone()
        self.val_metrics = metrics.clone(prefix="val_")
        self.test_metrics = metrics.clone(prefix="test_")

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        loss = self._shared_step(batch, self.train_loss, self.train_metrics)
        self.log("loss", self.train_loss, on_step=False, on_epoch=True, prog_bar=True)
        self.log_dict(self.train_metrics, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        self._shared_step(batch, self.val_loss, self.val_metrics)
        self.log("val_loss", self.val_loss, prog_bar=True)
        self.log_dict(self.val_metrics, prog_bar=True)

    def test_step(self, batch, batch_idx):
        self._shared_step(batch, self.test_loss, self.test_metrics)
        self.log("test_loss", self.test_loss)
        self.log_dict(self.test_metrics)

    def predict_step(self, batch, batch_idx):
        inputs, _ = batch
        return self(inputs)  # Keras's predict(): the model's outputs

    def _shared_step(self, batch, loss_metric, metrics):
        inputs, targets = batch
        logits = self(inputs)
        # CategoricalCrossentropy(from_logits=True): torch's cross_entropy on the class indices.
        loss = F.cross_entropy(logits, targets)
        loss_metric.update(loss, weight=len(targets))
        metrics.update(logits, targets)
        return loss

    def configure_optimizers(self):
        return KerasRMSprop(self.parameters(), lr=self.hparams.lr)
