"""pima_mlp as a LightningModule: the model of model.py trained as the Keras listing compiles it
(binary crossentropy, Keras's Adam, accuracy)."""

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric, MetricCollection
from torchmetrics.classification import BinaryAccuracy

from keras_rules import KerasAdam
from model import PimaMlp


class LitPimaMlp(L.LightningModule):
    """PimaMlp trained as the listing's compile() says; lr: the learning rate (the listing's by default)."""

    def __init__(self, lr=0.001):
        super().__init__()
        self.save_hyperparameters()
        self.model = PimaMlp()
        # Keras reports an epoch's loss as the mean of its batch losses, each weighted by the batch's size.
        self.train_loss, self.test_loss = MeanMetric(), MeanMetric()
        # compile(metrics=["accuracy"]) on one unit: Keras's binary accuracy, the sigmoid's probability above 0.5.
        metrics = MetricCollection({"accuracy": BinaryAccuracy()})
        self.train_metrics = metrics.clone()
        self.test_metrics = metrics.clone(prefix="test_")

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        loss = self._shared_step(batch, self.train_loss, self.train_metrics)
        self.log("loss", self.train_loss, on_step=False, on_epoch=True, prog_bar=True)
        self.log_dict(self.train_metrics, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def test_step(self, batch, batch_idx):
        self._shared_step(batch, self.test_loss, self.test_metrics)
        self.log("test_loss", self.test_loss)
        self.log_dict(self.test_metrics)

    def predict_step(self, batch, batch_idx):
        inputs, _ = batch
        logits = self(inputs)
        return torch.sigmoid(logits)  # Keras's predict(): the final activation's output

    def _shared_step(self, batch, loss_metric, metrics):
        inputs, targets = batch
        logits = self(inputs)
        # Keras's binary crossentropy on a sigmoid output: TensorFlow computes it from the sigmoid's input
        # (sigmoid_cross_entropy_with_logits), as torch's binary_cross_entropy_with_logits does.
        loss = F.binary_cross_entropy_with_logits(logits, targets)
        loss_metric.update(loss, weight=len(targets))
        metrics.update(torch.sigmoid(logits), targets.long())
        return loss

    def configure_optimizers(self):
        return KerasAdam(self.parameters(), lr=self.hparams.lr)
