"""Torch modules that compute Keras layers on Keras's own tensor layout (channels last).

The backbone keeps every tensor in the layout Keras uses, (N, H, W, C) for images, so that
Flatten, Dense and everything else act on the same positions as in Keras, and Keras
weights need no reordering beyond each kernel's own axes (``keras_compat.weights``).
torch's convolution and pooling kernels take (N, C, H, W): these modules hand them a
permuted *view* whose memory is channels-last, and torch computes in that memory format
and returns a channels-last result, so the permutations back and forth copy nothing.
"""

from __future__ import annotations

import torch
from torch import nn


class ChannelsLastConv2d(nn.Conv2d):
    """``keras.layers.Conv2D`` on (N, H, W, C); the weight stays torch's (out, in, kh, kw)."""

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return super().forward(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class ChannelsLastMaxPool2d(nn.MaxPool2d):
    """``keras.layers.MaxPooling2D`` (padding "valid") on (N, H, W, C)."""

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return super().forward(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
