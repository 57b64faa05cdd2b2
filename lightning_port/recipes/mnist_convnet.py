"""fchollet, "Simple MNIST convnet" (keras-io examples)."""

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
    Recipe,
    ReportedResult,
    ValidationSplit,
)

RECIPE = Recipe(
    name="mnist_convnet",
    description="MNIST, Conv2D 32 / 64 with max-pooling, Dropout 0.5, Dense 10; Adam, 15 epochs of batch 128",
    article=Article(
        title="Simple MNIST convnet",
        author="fchollet (keras-io examples)",
        url="https://keras.io/examples/vision/mnist_convnet/",
        published="2015-06-19, last modified 2020-04-21",
    ),
    dataset="mnist",
    input_shape=(28, 28, 1),
    # x_train.astype("float32") / 255, then np.expand_dims(x_train, -1): float32 arithmetic,
    # channel axis added (the reshape to input_shape).
    preprocessing=Preprocessing(divisor=255, arithmetic_dtype="float32"),
    layers=(
        Conv2D(32, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dropout(0.5),
        Dense(10, "softmax"),
    ),
    optimizer=Adam(),  # compile(optimizer="adam")
    loss="categorical_crossentropy",
    epochs=15,
    batch_size=128,
    parameter_count=34_826,
    reported=ReportedResult(test_accuracy=0.99, note="the example's description: ~99% test accuracy"),
    accuracy_target=0.988,
    validation=ValidationSplit(0.1),  # fit(..., validation_split=0.1): the last 6,000 images
    # 15 epochs of a convnet take minutes per run on a CPU: the full-schedule runs (3 seeds per
    # framework, interval within +-0.3 points) belong to make parity.
    evidence=Evidence(
        outcome_seeds=3, outcome_margin_points=0.3, full_run_in_default_suite=False, heavy=True,
        benchmark_cpu_samples=6_400, trajectory_steps=100,
    ),
)
