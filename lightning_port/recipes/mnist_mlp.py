"""Victor Zhou, "Keras for Beginners: Building Your First Neural Network"."""

from lightning_port.models.layers import Dense
from lightning_port.recipes.spec import Adam, Preprocessing, Recipe, ReportedResult

RECIPE = Recipe(
    name="mnist_mlp",
    title="Keras for Beginners: Building Your First Neural Network (MNIST, 64-64-10, Adam)",
    source="https://victorzhou.com/blog/keras-neural-network-tutorial/",
    dataset="mnist",
    input_shape=(784,),
    # train_images = (train_images / 255) - 0.5: uint8 / int computes in float64.
    preprocessing=Preprocessing(divisor=255, offset=-0.5, arithmetic_dtype="float64", flatten=True),
    layers=(Dense(64, "relu"), Dense(64, "relu"), Dense(10, "softmax")),
    optimizer=Adam(),  # compile(optimizer="adam")
    loss="categorical_crossentropy",
    epochs=5,
    batch_size=32,
    parameter_count=55_050,
    reported=ReportedResult(test_accuracy=0.965, test_loss=0.108, predictions=(7, 2, 1, 0, 4)),
    accuracy_target=0.960,
)
