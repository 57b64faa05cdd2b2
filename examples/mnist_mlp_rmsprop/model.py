"""The Keras model of mnist_mlp_rmsprop in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn


class MnistMlpRmsprop(nn.Module):
    """MNIST, 784-32-10 MLP with separate Activation layers, RMSprop, 2 epochs of batch 32.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 784) and returns the logits of
    the final softmax: the loss reads them, as Keras's crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(784, 32)
        self.dense_1 = nn.Linear(32, 10)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (self.dense, self.dense_1):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = self.dense(x)
        x = torch.relu(x)  # activation
        x = self.dense_1(x)
        return x  # logits: the loss reads them (module.py)
