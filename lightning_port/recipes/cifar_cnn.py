"""KDnuggets (May 2023), a CIFAR-10 CNN with ImageDataGenerator augmentation (listing lost;
rebuilt from the article's prose)."""

from lightning_port.spec import (
    Adam,
    Article,
    Augmentation,
    Conv2D,
    Dense,
    Dropout,
    Evidence,
    Flatten,
    MaxPooling2D,
    Preprocessing,
    Recipe,
    ReportedResult,
    ValidationHoldout,
)


def _block(filters: int):
    return (
        Conv2D(filters, (3, 3), padding="same", activation="relu"),
        Conv2D(filters, (3, 3), padding="same", activation="relu"),
        MaxPooling2D((2, 2)),
        Dropout(0.25),
    )


RECIPE = Recipe(
    name="cifar_cnn",
    description="CIFAR-10, 3 conv blocks (32/64/128) + Dense 512, Adam(1e-4), 50 epochs of batch 64, augmentation",
    article=Article(
        title="Building and Training Your First Neural Network with TensorFlow and Keras",
        author="KDnuggets",
        url="https://www.kdnuggets.com/2023/05/building-training-first-neural-network-tensorflow-keras.html",
        published="2023-05",
        note="the code listing is not preserved; the recipe is reconstructed from the article's prose",
    ),
    dataset="cifar10",
    input_shape=(32, 32, 3),
    # x_train.astype('float32') / 255: float32 arithmetic.
    preprocessing=Preprocessing(divisor=255, arithmetic_dtype="float32"),
    layers=(
        *_block(32),
        *_block(64),
        *_block(128),
        Flatten(),
        Dense(512, "relu"),
        Dropout(0.5),
        Dense(10, "softmax"),
    ),
    optimizer=Adam(learning_rate=1e-4),
    loss="categorical_crossentropy",
    epochs=50,
    batch_size=64,
    parameter_count=1_341_226,
    reported=ReportedResult(test_accuracy=0.7534, test_loss=0.8554),
    accuracy_target=0.74,
    validation=ValidationHoldout(5_000),
    augmentation=Augmentation(
        rotation_range=15, width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True
    ),
    # 50 epochs take over an hour on two CPU cores: the full run and its Keras counterpart
    # are committed evidence (docs/examples/cifar_cnn), not part of any test run.
    # Adam(1e-4) with dropout and augmentation learns slowly: 48 quick steps lower the loss by
    # about 1% (2.301 -> 2.28), so 0.5% is the bar there.
    evidence=Evidence(
        outcome_seeds=1, outcome_margin_points=1.5, full_run_in_default_suite=False,
        quick_samples=256, quick_loss_drop=0.005, heavy=True,
        benchmark_cpu_samples=4_480, trajectory_steps=100,
    ),
    notes=(
        "The shared CIFAR-10 copy was decoded from a JPEG re-encoding: expect about a point "
        "below published figures.",
    ),
)
