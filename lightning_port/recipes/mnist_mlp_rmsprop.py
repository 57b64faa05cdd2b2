"""A Keras 1-era MNIST MLP tutorial: Dense 32 + RMSprop, two epochs, seed 1337."""

from lightning_port.spec import Activation, Article, Dense, Evidence, Preprocessing, Recipe, ReportedResult, RMSprop

RECIPE = Recipe(
    name="mnist_mlp_rmsprop",
    description="MNIST, 784-32-10 MLP with separate Activation layers, RMSprop, 2 epochs of batch 32",
    article=Article(
        title="Keras：2.2搭建分类神经网络 Classifier",
        author="u012052268 (CSDN blog)",
        url="https://blog.csdn.net/u012052268",
        published="2017-08-26",
        note="the author's blog, which lists the post; it follows the Keras 1.x MNIST classifier example",
    ),
    dataset="mnist",
    input_shape=(784,),
    # X_train.reshape(60000, 784).astype('float32') / 255: float32 arithmetic.
    preprocessing=Preprocessing(divisor=255, arithmetic_dtype="float32"),
    layers=(Dense(32), Activation("relu"), Dense(10), Activation("softmax")),
    # RMSprop(lr=0.001, rho=0.9, epsilon=1e-08, decay=0.0): note the tutorial's epsilon.
    optimizer=RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-8),
    loss="categorical_crossentropy",
    epochs=2,
    batch_size=32,
    seed=1337,
    parameter_count=25_450,
    reported=ReportedResult(test_accuracy=0.9489, test_loss=0.172),
    # The speed issue's targets are set on the MNIST MLPs. The full tutorial runs: make slow (the
    # default suite's 15 minutes).
    evidence=Evidence(speed_targeted=True, full_run_in_default_suite=False),
    accuracy_target=0.940,
)
