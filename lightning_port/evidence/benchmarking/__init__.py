"""Side-by-side speed measurements: the port, a hand-written PyTorch floor, and Keras."""
