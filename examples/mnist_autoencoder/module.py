"""mnist_autoencoder as a LightningModule: the model of model.py trained as the Keras listing compiles it
(binary crossentropy, Keras's Adam)."""

import lightning as L
import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric

from keras_rules import KerasAdam
from model import MnistAutoencoder


class LitMnistAutoencoder(L.LightningModule):
    """MnistAutoencoder trained as the listing's compile() says; lr: the learning rate (the listing's by default)."""

    def __init__(self, lr=0.001):
        super().__init__()
        self.save_hyperparameters()
        self.model = MnistAutoencoder()
        # Keras reports an epoch's loss as the mean of its batch losses, each weighted by the batch's size.
        self.train_loss, self.val_loss, self.test_loss = MeanMetric(), MeanMetric(), MeanMetric()

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, batch_idx):
        loss = self._shared_step(batch, self.train_loss)
        self.log("loss", self.train_loss, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        self._shared_step(batch, self.val_loss)
        self.log("val_loss", self.val_loss, prog_bar=True)

    def test_step(self, batch, batch_idx):
        self._shared_step(batch, self.test_loss)
        self.log("test_loss", self.test_loss)

    def predict_step(self, batch, batch_idx):
        inputs, _ = batch
        logits = self(inputs)
        return torch.sigmoid(logits)  # Keras's predict(): the final activation's output

    def _shared_step(self, batch, loss_metric):
        inputs, targets = batch
        logits = self(inputs)
        # Keras's binary crossentropy on a sigmoid output: TensorFlow computes it from the sigmoid's input
        # (sigmoid_cross_entropy_with_logits), as torch's binary_cross_entropy_with_logits does.
        loss = F.binary_cross_entropy_with_logits(logits, targets)
        loss_metric.update(loss, weight=len(targets))
        return loss

    def configure_optimizers(self):
        return KerasAdam(self.parameters(), lr=self.hparams.lr)
