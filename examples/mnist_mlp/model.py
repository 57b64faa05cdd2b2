"""The Keras model of mnist_mlp in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn


class MnistMlp(nn.Module):
    """MNIST, 784-64-64-10 MLP, Adam, 5 epochs of batch 32.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 784) and returns the logits of
    the final softmax: the loss reads them, as Keras's crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(784, 64)
        self.dense_1 = nn.Linear(64, 64)
        self.dense_2 = nn.Linear(64, 10)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (self.dense, self.dense_1, self.dense_2):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = torch.relu(self.dense(x))
        x = torch.relu(self.dense_1(x))
        return self.dense_2(x)  # logits: the loss reads them (module.py)
