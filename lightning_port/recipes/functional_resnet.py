"""fchollet, "The Functional API" (Keras guides), section "A toy ResNet model": a small
residual network for CIFAR-10, written with the Functional API (two skip connections)."""

from lightning_port.spec import (
    Add,
    Article,
    CategoricalCrossentropy,
    Conv2D,
    Dense,
    Dropout,
    Evidence,
    GlobalAveragePooling2D,
    Input,
    MaxPooling2D,
    Model,
    Preprocessing,
    Recipe,
    ReportedResult,
    RMSprop,
    ValidationSplit,
)

inputs = Input(shape=(32, 32, 3), name="img")
x = Conv2D(32, 3, activation="relu")(inputs)
x = Conv2D(64, 3, activation="relu")(x)
block_1_output = MaxPooling2D(3)(x)

x = Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
x = Conv2D(64, 3, activation="relu", padding="same")(x)
block_2_output = Add()([x, block_1_output])

x = Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
x = Conv2D(64, 3, activation="relu", padding="same")(x)
block_3_output = Add()([x, block_2_output])

x = Conv2D(64, 3, activation="relu")(block_3_output)
x = GlobalAveragePooling2D()(x)
x = Dense(256, activation="relu")(x)
x = Dropout(0.5)(x)
outputs = Dense(10)(x)

model = Model(inputs, outputs, name="toy_resnet")

RECIPE = Recipe(
    name="functional_resnet",
    description="CIFAR-10, the Functional API guide's toy ResNet (two residual blocks); RMSprop(1e-3), batch 64",
    article=Article(
        title="The Functional API",
        author="fchollet (Keras guides)",
        url="https://keras.io/guides/functional_api/",
        published="2019-03-01, last modified 2020-04-12",
        note="the section 'A toy ResNet model'; the guide fits one epoch on the first 1,000 images",
    ),
    dataset="cifar10",
    # x_train.astype("float32") / 255.0: float32 arithmetic.
    preprocessing=Preprocessing(divisor=255, arithmetic_dtype="float32"),
    layers=model,
    optimizer=RMSprop(learning_rate=1e-3),
    loss=CategoricalCrossentropy(from_logits=True),
    metrics=("acc",),  # compile(metrics=["acc"]): Keras logs it as "acc"
    # model.fit(x_train[:1000], y_train[:1000], batch_size=64, epochs=1, validation_split=0.2)
    train_samples=1_000,
    epochs=1,
    batch_size=64,
    validation=ValidationSplit(0.2),
    parameter_count=223_242,
    reported=ReportedResult(note="the guide prints no figure: one epoch on 1,000 images is a demonstration"),
    # For the full-data schedule below (the guide's one epoch on 1,000 images is near chance,
    # 10-19% measured): the pilot runs scored 71.8% (Lightning) and 70.5% (Keras) at seed 100,
    # less a margin for the seed-to-seed spread.
    accuracy_target=0.66,
    evidence=Evidence(
        # The guide: "Try to train on the entire dataset until convergence!". The outcome
        # evidence does: all 50,000 images (the last 20% still held out by validation_split,
        # as the guide's fit call says) for the schedule's epochs, in both frameworks.
        outcome_epochs=10,
        outcome_train_samples="all",
        targets_on_outcome_schedule=True,  # the accuracy target is this schedule's
        # RMSprop(1e-3)'s last epochs move the validation accuracy by a point or two (measured
        # below), and now and then by seven. At the spread 6 seeds per framework measured
        # (standard deviations 2.0 and 4.0 points), a pass of the +-1 point margin four times
        # in five, with equal means, needs about 170 seeds per framework (about 70 if both were
        # at 2; README, Known gaps): more than this machine runs. The runs of seeds 6 on are
        # kept, to be added to: docs/examples/seeds/functional_resnet.
        outcome_seeds=6,
        outcome_margin_points=1.0,
        full_run_in_default_suite=False,
        quick_samples=256,
        quick_loss_drop=0.02,
        heavy=True,
        benchmark_cpu_samples=4_480,
        trajectory_steps=100,
    ),
    notes=(
        "The shared CIFAR-10 copy was decoded from a JPEG re-encoding: expect about a point "
        "below published figures.",
        "The outcome schedule is 10 epochs on all 50,000 images (40,000 after the guide's "
        "validation_split=0.2). Measured in one Lightning run (seed 100): validation accuracy "
        "0.40, 0.54, 0.51, 0.62, 0.66, 0.66, 0.69, 0.68, 0.73, 0.72 over epochs 1-10, test accuracy "
        "71.8%: the curve has flattened to about a point per epoch, and an epoch takes about a "
        "minute on two idle CPU cores, so 6 seeds per framework fit in make parity.",
    ),
)
