"""Keras defaults that the port mirrors, named once so every use says where it comes from.

Each constant is a value Keras uses implicitly (a default argument or a hard-coded
behaviour) that PyTorch does differently. Values were read from keras 3.15
(``keras/src/optimizers/*.py``, ``keras/src/backend/config.py``,
``keras/src/legacy/preprocessing/image.py``); the parity tests re-read them from the
live Keras objects, so a Keras release that changes one shows up as a failing test.
"""

# keras.optimizers.Adam(): the defaults of `Adam.__init__`. Keras adds epsilon to the
# un-bias-corrected sqrt(v) (torch adds it to the bias-corrected one) and its default is
# 1e-7 (torch: 1e-8), so these differ from torch.optim.Adam's.
ADAM_LEARNING_RATE_KERAS_DEFAULT = 0.001
ADAM_BETA_1_KERAS_DEFAULT = 0.9
ADAM_BETA_2_KERAS_DEFAULT = 0.999
ADAM_EPSILON_KERAS_DEFAULT = 1e-7

# keras.optimizers.RMSprop() / compile(optimizer="rmsprop"): Keras puts epsilon inside
# the square root and defaults rho to 0.9 (torch: outside the root, alpha=0.99, eps=1e-8).
RMSPROP_LEARNING_RATE_KERAS_DEFAULT = 0.001
RMSPROP_RHO_KERAS_DEFAULT = 0.9
RMSPROP_MOMENTUM_KERAS_DEFAULT = 0.0
RMSPROP_EPSILON_KERAS_DEFAULT = 1e-7

# keras.backend.epsilon(): the clip Keras applies to probabilities when it cannot recover
# logits (e.g. on the torch and jax backends). The TensorFlow backend recovers the logits
# of a softmax/sigmoid output layer instead, which is what the port computes.
BACKEND_EPSILON_KERAS_DEFAULT = 1e-7

# keras.metrics.BinaryAccuracy(threshold=0.5): what compile(metrics=["accuracy"]) resolves
# to for a binary-crossentropy model with one sigmoid output.
BINARY_ACCURACY_THRESHOLD_KERAS_DEFAULT = 0.5

# Model.evaluate(batch_size=None) evaluates in batches of 32; the loss it reports is the
# sample-weighted mean over those batches, i.e. the mean over the whole set.
EVALUATE_BATCH_SIZE_KERAS_DEFAULT = 32

# Dense/Conv2D(kernel_initializer="glorot_uniform", bias_initializer="zeros"); torch's
# nn.Linear/Conv2d default to kaiming-uniform kernels and non-zero uniform biases.
KERNEL_INITIALIZER_KERAS_DEFAULT = "glorot_uniform"
BIAS_INITIALIZER_KERAS_DEFAULT = "zeros"

# Model.fit(shuffle=True): the whole training set is re-permuted every epoch and the last,
# partial batch is kept (drop_last=False).
FIT_SHUFFLE_KERAS_DEFAULT = True

# ImageDataGenerator(fill_mode="nearest", interpolation_order=1): out-of-image samples take
# the nearest edge pixel and resampling is bilinear.
AUGMENTATION_FILL_MODE_KERAS_DEFAULT = "nearest"
AUGMENTATION_INTERPOLATION_ORDER_KERAS_DEFAULT = 1
