"""Numbers a report shows, computed from collected.json alone (no training, no frameworks)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

from lightning_port.support.results import steady_epochs

FRAMEWORK_LABELS = {"lightning": "Lightning port", "keras": "Keras reference"}


def runs_of(collected: dict, framework: str) -> list[dict]:
    return sorted((entry["result"] for entry in collected["runs"] if entry["result"]["framework"] == framework), key=lambda result: result["seed"])


def curve(results: list[dict], key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Epochs, mean and standard deviation over seeds of one history column; None if absent.

    Runs of different lengths are cut to the shortest, so every point averages all seeds.
    """
    series = [[row[key] for row in result["history"]] for result in results if all(key in row for row in result["history"]) and result["history"]]
    if not series:
        return None
    length = min(len(values) for values in series)
    values = np.array([values[:length] for values in series], dtype=float)
    return np.arange(1, length + 1), values.mean(axis=0), values.std(axis=0)


def _spread(values: list[float]) -> float:
    # Sample standard deviation (n - 1): the seeds are a sample of what the recipe gives.
    return statistics.stdev(values) if len(values) > 1 else 0.0


@dataclass
class TestSummary:
    split: str
    accuracy_mean: float | None  # None: the model compiles no accuracy (its outcome is a loss)
    accuracy_std: float | None
    loss_mean: float
    loss_std: float
    final_train_accuracy_mean: float | None
    per_seed: list[tuple[int, float | None, float]]  # seed, accuracy, loss

    @property
    def has_accuracy(self) -> bool:
        return self.accuracy_mean is not None


def test_summary(results: list[dict]) -> TestSummary:
    accuracies = [result["test"].get("accuracy") for result in results]
    has_accuracy = all(value is not None for value in accuracies)
    losses = [result["test"]["loss"] for result in results]
    final_train = [result["history"][-1]["accuracy"] for result in results if result["history"] and "accuracy" in result["history"][-1]]
    return TestSummary(
        split=results[0]["test"].get("split", "test"),
        accuracy_mean=statistics.fmean(accuracies) if has_accuracy else None,
        accuracy_std=_spread(accuracies) if has_accuracy else None,
        loss_mean=statistics.fmean(losses),
        loss_std=_spread(losses),
        final_train_accuracy_mean=statistics.fmean(final_train) if final_train else None,
        per_seed=[(result["seed"], result["test"].get("accuracy"), result["test"]["loss"]) for result in results],
    )


def steady_epoch_seconds(result: dict) -> float:
    return statistics.median(steady_epochs([row["seconds"] for row in result["history"]]))


@dataclass
class SpeedSummary:
    seconds_per_epoch: float
    samples_per_second: float
    wall_time_s: float
    device: str


def speed_summary(results: list[dict]) -> SpeedSummary:
    seconds = statistics.median(steady_epoch_seconds(result) for result in results)
    return SpeedSummary(
        seconds_per_epoch=seconds,
        samples_per_second=results[0]["train_samples"] / seconds,
        wall_time_s=statistics.fmean(result["wall_time_s"] for result in results),
        device=results[0]["device"],
    )


def published(collected: dict) -> dict[str, float]:
    """The tutorial's own figures, by what they measure (from the recipe record)."""
    reported = collected["recipe"]["reported"]
    figures = {"test accuracy": reported.get("test_accuracy"), "test loss": reported.get("test_loss"), "training accuracy": reported.get("train_accuracy")}
    return {name: value for name, value in figures.items() if value is not None}


def published_accuracy(collected: dict) -> float | None:
    """The figure the test accuracy is held to: where the tutorial scores its training data
    (Pima), its training-set accuracy is that figure."""
    recipe = collected["recipe"]
    if recipe["reported"].get("test_accuracy") is not None:
        return recipe["reported"]["test_accuracy"]
    return recipe["reported"].get("train_accuracy") if recipe["evaluate_on"] == "train" else None
