"""addition_rnn as a LightningModule: the model of model.py trained as the Keras listing compiles it
(categorical crossentropy, Keras's Adam, accuracy)."""

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from keras_rules import KerasAdam
from model import AdditionRnn


class LitAdditionRnn(L.LightningModule):
    """AdditionRnn trained as the listing's compile() says; lr: the learning rate (the listing's by default)."""

    def __init__(self, lr=0.001):
        super().__init__()
        self.save_hyperparameters()
        self.model = AdditionRnn()
        # Keras reports an epoch's loss as the mean of its batch losses, each weighted by the batch's size.
        self.train_loss, self.val_loss, self.test_loss = MeanMetric(), MeanMetric(), MeanMetric()
        # compile(metrics=["accuracy"]) on 12 classes, 4 steps: the hit rate of each step's argmax, over the epoch.
        metrics = MetricCollection({"accuracy": MulticlassAccuracy(num_classes=12, average="micro")})
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
        logits = self(inputs)
        return torch.softmax(logits, dim=-1)  # Keras's predict(): the final activation's output

    def _shared_step(self, batch, loss_metric, metrics):
        inputs, targets = batch
        logits = self(inputs)
        # Keras's categorical crossentropy on a softmax output: TensorFlow computes it from the
        # softmax's input (softmax_cross_entropy_with_logits), which is torch's cross_entropy on the
        # logits and the class indices (the one-hot labels' argmax).
        loss = F.cross_entropy(logits.movedim(-1, 1), targets)
        loss_metric.update(loss, weight=len(targets))
        metrics.update(torch.softmax(logits, dim=-1).argmax(dim=-1), targets)
        return loss

    def configure_optimizers(self):
        return KerasAdam(self.parameters(), lr=self.hparams.lr)
