"""The Keras model of mnist_convnet in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn


class MnistConvnet(nn.Module):
    """MNIST, Conv2D 32 / 64 with max-pooling, Dropout 0.5, Dense 10; Adam, 15 epochs of batch 128.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 28, 28, 1), channels last as
    in Keras, and returns the logits of the final softmax: the loss reads them, as Keras's
    crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(1, 32, 3)
        self.max_pooling2d = nn.MaxPool2d(2)
        self.conv2d_1 = nn.Conv2d(32, 64, 3)
        self.max_pooling2d_1 = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(1600, 10)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (self.conv2d, self.conv2d_1, self.dense):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)  # Keras's channels-last layout to torch's channels-first
        x = torch.relu(self.conv2d(x))
        x = self.max_pooling2d(x)
        x = torch.relu(self.conv2d_1(x))
        x = self.max_pooling2d_1(x)
        x = x.permute(0, 2, 3, 1)  # back to Keras's channels-last layout
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.dense(x)  # logits: the loss reads them (module.py)
