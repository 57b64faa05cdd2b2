"""The Keras model of pima_mlp in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn


class PimaMlp(nn.Module):
    """Pima Indians diabetes, 8-12-1 MLP, Adam, binary crossentropy, 100 epochs of batch 10.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 8) and returns the logits of
    the final sigmoid: the loss reads them, as Keras's crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(8, 12)
        self.dense_1 = nn.Linear(12, 1)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (self.dense, self.dense_1):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = torch.relu(self.dense(x))
        return self.dense_1(x)  # logits: the loss reads them (module.py)
