"""A test-only recipe: TensorFlow's image classification tutorial's model
(https://www.tensorflow.org/tutorials/images/classification, "Data augmentation" and
"Dropout": a nested ``data_augmentation`` Sequential of RandomFlip("horizontal"),
RandomRotation(0.1) and RandomZoom(0.1) as the first layer, Rescaling(1/255), three
Conv2D-MaxPooling2D blocks of 16/32/64 filters, Dropout(0.2), Dense(128), Dense(classes)
logits; Adam, SparseCategoricalCrossentropy(from_logits=True)) on CIFAR-10's 32 x 32 images
and 10 classes, batch 32 (fit()'s default).

Not registered (lightning_port/recipes/): the issue asks for evidence, not another tutorial,
and a registered recipe joins every per-tutorial test, benchmark and comparison report, each
needing its Keras module and published figures. The parity trajectory uses it directly.
"""

from lightning_port.spec import (
    Adam,
    Article,
    Conv2D,
    Dense,
    Dropout,
    Evidence,
    Flatten,
    MaxPooling2D,
    Preprocessing,
    RandomFlip,
    RandomRotation,
    RandomZoom,
    Recipe,
    ReportedResult,
    Rescaling,
    Sequential,
)
from lightning_port.spec.losses import SparseCategoricalCrossentropy

DATA_AUGMENTATION = Sequential(
    layers=(RandomFlip("horizontal"), RandomRotation(0.1), RandomZoom(0.1)),
    name="data_augmentation",
)

RECIPE = Recipe(
    name="augmentation_convnet",
    description="CIFAR-10, nested data_augmentation (flip, rotation, zoom), 3 conv blocks 16/32/64, Dropout 0.2, Dense 128, Adam",
    article=Article(
        title="Image classification (TensorFlow tutorials), its data augmentation and dropout model",
        author="TensorFlow",
        url="https://www.tensorflow.org/tutorials/images/classification",
        note="the tutorial's model on CIFAR-10 (32 x 32, 10 classes) instead of its flower photographs (180 x 180, 5 classes)",
    ),
    dataset="cifar10",
    input_shape=(32, 32, 3),
    preprocessing=Preprocessing(),  # raw pixel values: the model rescales them itself
    layers=(
        DATA_AUGMENTATION,
        Rescaling(1.0 / 255),
        Conv2D(16, (3, 3), padding="same", activation="relu"),
        MaxPooling2D(),
        Conv2D(32, (3, 3), padding="same", activation="relu"),
        MaxPooling2D(),
        Conv2D(64, (3, 3), padding="same", activation="relu"),
        MaxPooling2D(),
        Dropout(0.2),
        Flatten(),
        Dense(128, activation="relu"),
        Dense(10, name="outputs"),
    ),
    optimizer=Adam(),
    loss=SparseCategoricalCrossentropy(from_logits=True),
    epochs=1,
    batch_size=32,
    parameter_count=156_074,
    reported=ReportedResult(),
    accuracy_target=0.0,
    evidence=Evidence(quick_samples=512, trajectory_steps=100),
)
