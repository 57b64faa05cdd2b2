"""Jason Brownlee, "Your First Deep Learning Project in Python with Keras Step-by-Step"."""

from lightning_port.spec import Adam, Article, Dense, Evidence, Preprocessing, Recipe, ReportedResult

RECIPE = Recipe(
    name="pima_mlp",
    description="Pima Indians diabetes, 8-12-1 MLP, Adam, binary crossentropy, 100 epochs of batch 10",
    article=Article(
        title="Your First Deep Learning Project in Python with Keras Step-by-Step",
        author="Jason Brownlee (Machine Learning Mastery)",
        url="https://machinelearningmastery.com/tutorial-first-neural-network-python-keras/",
        note="the article's earlier 8-12-1 network, 100 epochs; it now adds a second hidden layer of 8 and trains 150",
    ),
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
    # Unscaled features and 768 rows make single runs vary by several points: the outcome
    # comparison needs more seeds, and holds the interval to +-3 points.
    evidence=Evidence(outcome_seeds=12, outcome_margin_points=3.0, quick_samples=None),
    notes=("`--holdout 0.2` trains on a stratified 80% and scores the other 20% as well.",),
)
