"""A CIFAR-10 CNN tutorial with ImageDataGenerator augmentation (listing lost; rebuilt from its prose)."""

from lightning_port.models.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from lightning_port.recipes.spec import Adam, Augmentation, Preprocessing, Recipe, ReportedResult


def _block(filters: int):
    return (
        Conv2D(filters, (3, 3), padding="same", activation="relu"),
        Conv2D(filters, (3, 3), padding="same", activation="relu"),
        MaxPooling2D((2, 2)),
        Dropout(0.25),
    )


RECIPE = Recipe(
    name="cifar_cnn",
    title="CIFAR-10 CNN with data augmentation (3 conv blocks, Adam 1e-4)",
    source="CIFAR-10 Keras CNN tutorial; code listing lost, reconstructed from its prose in issue #2",
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
    validation_count=5_000,
    augmentation=Augmentation(
        rotation_range=15, width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True
    ),
    notes=(
        "The shared CIFAR-10 copy was decoded from a JPEG re-encoding: expect about a point "
        "below published figures.",
    ),
)
