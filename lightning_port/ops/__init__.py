"""Keras's arithmetic in torch that several layer kinds share: activation functions,
initializers, the window and padding rules of convolution and pooling, normalisation moments.
No layer kind lives here (``lightning_port.layers``); these are the functions they call."""
