"""Keras's own rules in torch: defaults, optimizers, losses, initializers, augmentation, weight layout."""
