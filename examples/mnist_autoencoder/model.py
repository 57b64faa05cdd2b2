"""The Keras model of mnist_autoencoder in torch: exported by lightning-port (scripts/export.py)."""

import torch
from torch import nn

from keras_rules import ConvTranspose2dCropped


class MnistAutoencoder(nn.Module):
    """MNIST reconstruction then denoising, a convolutional autoencoder (Conv2D/MaxPooling2D,
    Conv2DTranspose); Adam, binary crossentropy, batch 128.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 28, 28, 1), channels last as
    in Keras, and returns the logits of the final sigmoid: the loss reads them, as Keras's
    crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(1, 32, 3, padding=1)
        self.max_pooling2d = nn.MaxPool2d(2)
        self.conv2d_1 = nn.Conv2d(32, 32, 3, padding=1)
        self.max_pooling2d_1 = nn.MaxPool2d(2)
        self.conv2d_transpose = ConvTranspose2dCropped(32, 32, 3, stride=2, cropped_size=(14, 14))
        self.conv2d_transpose_1 = ConvTranspose2dCropped(32, 32, 3, stride=2, cropped_size=(28, 28))
        self.conv2d_2 = nn.Conv2d(32, 1, 3, padding=1)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases); torch's layers start from others."""
        for layer in (
            self.conv2d, self.conv2d_1, self.conv2d_transpose, self.conv2d_transpose_1, self.conv2d_2,
        ):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)  # Keras's channels-last layout to torch's channels-first
        x = torch.relu(self.conv2d(x))
        x = self.max_pooling2d(x)
        x = torch.relu(self.conv2d_1(x))
        x = self.max_pooling2d_1(x)
        x = torch.relu(self.conv2d_transpose(x))
        x = torch.relu(self.conv2d_transpose_1(x))
        return self.conv2d_2(x).permute(0, 2, 3, 1)  # logits: the loss reads them (module.py)
