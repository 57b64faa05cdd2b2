"""The Keras model of functional_resnet in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn


class ToyResnet(nn.Module):
    """CIFAR-10, the Functional API guide's toy ResNet (two residual blocks); RMSprop(1e-3), batch
    64.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 32, 32, 3), channels last as
    in Keras, and returns what the Keras model returns.
    """

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(3, 32, 3)
        self.conv2d_1 = nn.Conv2d(32, 64, 3)
        self.max_pooling2d = nn.MaxPool2d(3)
        self.conv2d_2 = nn.Conv2d(64, 64, 3, padding=1)
        self.conv2d_3 = nn.Conv2d(64, 64, 3, padding=1)
        self.conv2d_4 = nn.Conv2d(64, 64, 3, padding=1)
        self.conv2d_5 = nn.Conv2d(64, 64, 3, padding=1)
        self.conv2d_6 = nn.Conv2d(64, 64, 3)
        self.dense = nn.Linear(64, 256)
        self.dropout = nn.Dropout(0.5)
        self.dense_1 = nn.Linear(256, 10)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (
            self.conv2d, self.conv2d_1, self.conv2d_2, self.conv2d_3, self.conv2d_4, self.conv2d_5,
            self.conv2d_6, self.dense, self.dense_1,
        ):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, img):
        x = img.permute(0, 3, 1, 2)  # Keras's channels-last layout to torch's channels-first
        x = torch.relu(self.conv2d(x))
        x = torch.relu(self.conv2d_1(x))
        max_pooling2d = self.max_pooling2d(x)
        x = torch.relu(self.conv2d_2(max_pooling2d))
        x = torch.relu(self.conv2d_3(x))
        add = x + max_pooling2d
        x = torch.relu(self.conv2d_4(add))
        x = torch.relu(self.conv2d_5(x))
        x = x + add
        x = torch.relu(self.conv2d_6(x))
        x = x.mean(dim=(2, 3))  # global_average_pooling2d
        x = torch.relu(self.dense(x))
        x = self.dropout(x)
        return self.dense_1(x)
