"""François Chollet, Deep Learning with Python, 2.1 "A first look at a neural network"."""

from lightning_port.models.layers import Dense
from lightning_port.recipes.spec import Preprocessing, Recipe, ReportedResult, RMSprop

RECIPE = Recipe(
    name="mnist_mlp_512",
    title="Deep Learning with Python, chapter 2: a first look at a neural network (784-512-10)",
    source="François Chollet, Deep Learning with Python (Manning), section 2.1",
    dataset="mnist",
    input_shape=(784,),
    # train_images.astype('float32') / 255: float32 arithmetic.
    preprocessing=Preprocessing(divisor=255, arithmetic_dtype="float32", flatten=True),
    layers=(Dense(512, "relu"), Dense(10, "softmax")),
    optimizer=RMSprop(),  # compile(optimizer="rmsprop"): every Keras default
    loss="categorical_crossentropy",
    epochs=5,
    batch_size=128,
    parameter_count=407_050,
    reported=ReportedResult(test_accuracy=0.979, train_accuracy=0.989),
    accuracy_target=0.974,
)
