"""The Keras model of addition_rnn in torch: exported by lightning-port (scripts/export.py)."""

from torch import nn

from keras_rules import KerasLSTM


class AdditionRnn(nn.Module):
    """adding numbers of up to 3 digits written as strings ('535+61' -> '596'): LSTM 128,
    RepeatVector 4, LSTM 128 (sequences), softmax Dense 12 per step; Adam, 29 epochs of
    batch 32.

    Keras's layers as torch layers, each named after its Keras layer, so the state_dict keys
    read like Keras's weights. forward takes a batch of shape (N, 7, 12), channels last as in
    Keras, and returns the logits of the final softmax: the loss reads them, as Keras's
    crossentropy does (module.py).
    """

    def __init__(self):
        super().__init__()
        self.lstm = KerasLSTM(12, 128)
        self.lstm_1 = KerasLSTM(128, 128, return_sequences=True)
        self.dense = nn.Linear(128, 12)
        self.reset_parameters()

    def reset_parameters(self):
        """Keras's initializers (glorot_uniform kernels, zeros biases, orthogonal recurrent kernels);
        torch's layers start from others."""
        for layer in (self.lstm, self.lstm_1):
            nn.init.xavier_uniform_(layer.kernel)
            nn.init.orthogonal_(layer.recurrent_kernel)
            nn.init.zeros_(layer.bias[:128])
            nn.init.ones_(layer.bias[128:256])  # unit_forget_bias: the forget gate's starts at 1
            nn.init.zeros_(layer.bias[256:])
        nn.init.xavier_uniform_(self.dense.weight)
        nn.init.zeros_(self.dense.bias)

    def forward(self, x):
        x = self.lstm(x)
        x = x.unsqueeze(1).repeat_interleave(4, dim=1)  # repeat_vector
        x = self.lstm_1(x)
        return self.dense(x)  # logits: the loss reads them (module.py)
