"""A Keras 1-era MNIST MLP tutorial: Dense 32 + RMSprop, two epochs, seed 1337."""

from lightning_port.models.layers import Activation, Dense
from lightning_port.recipes.spec import Preprocessing, Recipe, ReportedResult, RMSprop

RECIPE = Recipe(
    name="mnist_mlp_rmsprop",
    title="MNIST MLP with separate Activation layers (784-32-10, RMSprop)",
    source="Keras 1.x MNIST MLP tutorial; original listing as quoted in issue #2",
    dataset="mnist",
    input_shape=(784,),
    # X_train.reshape(60000, 784).astype('float32') / 255: float32 arithmetic.
    preprocessing=Preprocessing(divisor=255, arithmetic_dtype="float32", flatten=True),
    layers=(Dense(32), Activation("relu"), Dense(10), Activation("softmax")),
    # RMSprop(lr=0.001, rho=0.9, epsilon=1e-08, decay=0.0): note the tutorial's epsilon.
    optimizer=RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-8),
    loss="categorical_crossentropy",
    epochs=2,
    batch_size=32,
    seed=1337,
    parameter_count=25_450,
    reported=ReportedResult(test_accuracy=0.9489, test_loss=0.172),
    accuracy_target=0.940,
)
