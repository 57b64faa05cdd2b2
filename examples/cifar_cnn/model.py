"""The Keras model of cifar_cnn in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn


class CifarCnn(nn.Module):
    """CIFAR-10, 3 conv blocks (32/64/128) + Dense 512, Adam(1e-4), 50 epochs of batch 64,
    augmentation.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 32, 32, 3), channels last as
    in Keras, and returns the logits of the final softmax: the loss reads them, as Keras's
    crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2d_1 = nn.Conv2d(32, 32, 3, padding=1)
        self.max_pooling2d = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.conv2d_2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv2d_3 = nn.Conv2d(64, 64, 3, padding=1)
        self.max_pooling2d_1 = nn.MaxPool2d(2)
        self.dropout_1 = nn.Dropout(0.25)
        self.conv2d_4 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv2d_5 = nn.Conv2d(128, 128, 3, padding=1)
        self.max_pooling2d_2 = nn.MaxPool2d(2)
        self.dropout_2 = nn.Dropout(0.25)
        self.dense = nn.Linear(2048, 512)
        self.dropout_3 = nn.Dropout(0.5)
        self.dense_1 = nn.Linear(512, 10)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (
            self.conv2d, self.conv2d_1, self.conv2d_2, self.conv2d_3, self.conv2d_4, self.conv2d_5,
            self.dense, self.dense_1,
        ):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)  # Keras's channels-last layout to torch's channels-first
        x = torch.relu(self.conv2d(x))
        x = torch.relu(self.conv2d_1(x))
        x = self.max_pooling2d(x)
        x = self.dropout(x)
        x = torch.relu(self.conv2d_2(x))
        x = torch.relu(self.conv2d_3(x))
        x = self.max_pooling2d_1(x)
        x = self.dropout_1(x)
        x = torch.relu(self.conv2d_4(x))
        x = torch.relu(self.conv2d_5(x))
        x = self.max_pooling2d_2(x)
        x = self.dropout_2(x)
        x = x.permute(0, 2, 3, 1)  # back to Keras's channels-last layout
        x = torch.flatten(x, 1)
        x = torch.relu(self.dense(x))
        x = self.dropout_3(x)
        return self.dense_1(x)  # logits: the loss reads them (module.py)
