"""Jason Brownlee, "Your First Deep Learning Project in Python with Keras Step-by-Step"."""

from lightning_port.models.layers import Dense
from lightning_port.recipes.spec import Adam, Preprocessing, Recipe, ReportedResult

RECIPE = Recipe(
    name="pima_mlp",
    title="Your First Deep Learning Project in Python with Keras (Pima diabetes, 8-12-1)",
    source="https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/",
    dataset="pima",
    input_shape=(8,),
    # X = dataset[:, 0:8] from numpy.loadtxt: raw float64 features, no scaling.
    preprocessing=Preprocessing(arithmetic_dtype="float64"),
    layers=(Dense(12, "relu"), Dense(1, "sigmoid")),
    optimizer=Adam(),  # compile(optimizer="adam")
    loss="binary_crossentropy",
    epochs=100,
    batch_size=10,
    parameter_count=121,
    reported=ReportedResult(
        train_accuracy=0.7487, note="the tutorial evaluates on its own training data"
    ),
    accuracy_target=0.70,
    evaluate_on="train",
    notes=("`--holdout 0.2` trains on a stratified 80% and scores the other 20% as well.",),
)
