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
# RMSprop(centered=False): torch's `centered` defaults the same way, named here for the spec.
RMSPROP_CENTERED_KERAS_DEFAULT = False

# Adam(amsgrad=False): the same as torch's default, named here so the spec's default is Keras's.
ADAM_AMSGRAD_KERAS_DEFAULT = False

# The options every keras.optimizers.Optimizer takes (BaseOptimizer.__init__): all off.
# Keras's weight_decay is decoupled (variable -= variable * wd * lr before the update), not
# torch's L2 term added to the gradient; the clips act on the gradients before the update.
OPTIMIZER_WEIGHT_DECAY_KERAS_DEFAULT = None
OPTIMIZER_CLIPNORM_KERAS_DEFAULT = None
OPTIMIZER_CLIPVALUE_KERAS_DEFAULT = None
OPTIMIZER_GLOBAL_CLIPNORM_KERAS_DEFAULT = None

# keras.optimizers.SGD(): lr 0.01 (torch.optim.SGD has no default lr); Keras keeps the
# momentum buffer as -lr * velocity and steps by it, torch keeps the velocity and scales later.
SGD_LEARNING_RATE_KERAS_DEFAULT = 0.01
SGD_MOMENTUM_KERAS_DEFAULT = 0.0
SGD_NESTEROV_KERAS_DEFAULT = False

# keras.optimizers.AdamW(): Adam's rule with decoupled weight decay 0.004 on by default
# (torch.optim.AdamW: 0.01) and Keras's epsilon 1e-7 (torch: 1e-8).
ADAMW_LEARNING_RATE_KERAS_DEFAULT = 0.001
ADAMW_WEIGHT_DECAY_KERAS_DEFAULT = 0.004
ADAMW_BETA_1_KERAS_DEFAULT = 0.9
ADAMW_BETA_2_KERAS_DEFAULT = 0.999
ADAMW_EPSILON_KERAS_DEFAULT = 1e-7
ADAMW_AMSGRAD_KERAS_DEFAULT = False

# keras.optimizers.Adagrad(): lr 0.001 (torch: 0.01), accumulators start at 0.1 (torch: 0)
# and epsilon 1e-7 sits inside the square root (torch: 1e-10, outside).
ADAGRAD_LEARNING_RATE_KERAS_DEFAULT = 0.001
ADAGRAD_INITIAL_ACCUMULATOR_VALUE_KERAS_DEFAULT = 0.1
ADAGRAD_EPSILON_KERAS_DEFAULT = 1e-7

# keras.optimizers.Adadelta(): lr 0.001 (torch: 1.0), rho 0.95 (torch: 0.9), epsilon 1e-7
# (torch: 1e-6).
ADADELTA_LEARNING_RATE_KERAS_DEFAULT = 0.001
ADADELTA_RHO_KERAS_DEFAULT = 0.95
ADADELTA_EPSILON_KERAS_DEFAULT = 1e-7

# keras.optimizers.Adamax(): lr 0.001 (torch: 0.002); epsilon 1e-7 is added to the norm u
# (torch: 1e-8, inside its max).
ADAMAX_LEARNING_RATE_KERAS_DEFAULT = 0.001
ADAMAX_BETA_1_KERAS_DEFAULT = 0.9
ADAMAX_BETA_2_KERAS_DEFAULT = 0.999
ADAMAX_EPSILON_KERAS_DEFAULT = 1e-7

# keras.optimizers.Nadam(): lr 0.001 (torch: 0.002), epsilon 1e-7 (torch: 1e-8); Keras's
# momentum schedule uses a fixed decay of 0.96 (torch's momentum_decay=0.004 form differs).
NADAM_LEARNING_RATE_KERAS_DEFAULT = 0.001
NADAM_BETA_1_KERAS_DEFAULT = 0.9
NADAM_BETA_2_KERAS_DEFAULT = 0.999
NADAM_EPSILON_KERAS_DEFAULT = 1e-7

# keras.optimizers.schedules.ExponentialDecay(staircase=False): a continuous decay; the name
# is the schedule's own default (torch's ExponentialLR steps per epoch and has no name).
EXPONENTIAL_DECAY_STAIRCASE_KERAS_DEFAULT = False
EXPONENTIAL_DECAY_NAME_KERAS_DEFAULT = "ExponentialDecay"

# keras.optimizers.schedules.PiecewiseConstantDecay(name="PiecewiseConstant"): Keras's name
# for it (the class name without "Decay"); torch's MultiStepLR has none.
PIECEWISE_CONSTANT_DECAY_NAME_KERAS_DEFAULT = "PiecewiseConstant"

# keras.optimizers.schedules.CosineDecay(alpha=0.0, warmup_target=None, warmup_steps=0):
# decay to 0 with no warmup (torch's CosineAnnealingLR takes eta_min, not a fraction alpha).
COSINE_DECAY_ALPHA_KERAS_DEFAULT = 0.0
COSINE_DECAY_NAME_KERAS_DEFAULT = "CosineDecay"
COSINE_DECAY_WARMUP_TARGET_KERAS_DEFAULT = None
COSINE_DECAY_WARMUP_STEPS_KERAS_DEFAULT = 0

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

# Model.compile(steps_per_execution=1, jit_compile="auto"): one Keras step per execution, and
# "auto" means XLA on a GPU and none on a CPU-only machine (Trainer._resolve_auto_jit_compile).
# Keras's own speed modes; the port's --steps-per-execution and --compile mirror them.
STEPS_PER_EXECUTION_KERAS_DEFAULT = 1
JIT_COMPILE_KERAS_DEFAULT = "auto"
