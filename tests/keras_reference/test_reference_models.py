"""keras_reference/: each tutorial module builds, and a short real fit writes a valid result."""

import pytest

from lightning_port.registry import get_recipe, model_names
from lightning_port.support.results import read_result

pytestmark = pytest.mark.keras

@pytest.mark.parametrize("name", model_names())
def test_reference_model_has_the_spec_parameter_count(name, keras_tensorflow):
    from keras_reference import tutorial_module

    model = tutorial_module(get_recipe(name)).build_model()
    assert model.count_params() == get_recipe(name).parameter_count


@pytest.mark.parametrize("name", model_names())
def test_short_fit_writes_a_result_the_lightning_side_reads(name, keras_tensorflow, tmp_path, data_dir):
    from keras_reference.run import WEIGHTS_FILE, run_reference
    from lightning_port.run.resolve import resolve_keras_run

    recipe = get_recipe(name)
    run = resolve_keras_run(output_dir=tmp_path, recipe=recipe, epochs=2, data_dir=data_dir, max_train_samples=recipe.evidence.quick_samples, verbose=0)
    result = run_reference(run)
    stored = read_result(tmp_path)
    assert stored["framework"] == "keras" and stored["backend"] == "tensorflow"
    assert stored["epoch_order"] == "reshuffled"  # as the listings train (test_run_seeding.py)
    import tensorflow as tf

    # The backend's version, whichever distribution installed it (here "tensorflow-cpu").
    assert stored["versions"]["tensorflow"] == tf.__version__
    assert [row["epoch"] for row in stored["history"]] == [1, 2]
    assert stored["test"]["loss"] == pytest.approx(result["test"]["loss"])
    assert (tmp_path / WEIGHTS_FILE).stat().st_size > 0
    if recipe.validation is not None:  # the loss and every compiled metric, on the validation data too
        logged = {name for name in stored["history"][0] if name not in ("epoch", "seconds")}
        assert "val_loss" in logged and {name for name in logged if not name.startswith("val_")} == {name[4:] for name in logged if name.startswith("val_")}


def test_with_the_replayed_order_a_seed_makes_two_runs_identical(keras_tensorflow, tmp_path, data_dir):
    """The runs that compare two Keras runs replay one order (by default TensorFlow's order is
    drawn afresh, unseeded: test_run_seeding.py)."""
    from keras_reference.run import run_reference
    from lightning_port.run.resolve import resolve_keras_run

    recipe = get_recipe("mnist_mlp_rmsprop")
    results = [
        run_reference(resolve_keras_run(output_dir=tmp_path / str(i), recipe=recipe, epochs=2, data_dir=data_dir, max_train_samples=2_000, verbose=0, replay_epoch_order=True))
        for i in range(2)
    ]
    assert {result["epoch_order"] for result in results} == {"replayed"}
    histories = [result["history"] for result in results]
    for first, second in zip(*histories):
        assert first["loss"] == second["loss"] and first["accuracy"] == second["accuracy"]


def test_keras_speed_options_change_how_steps_run_not_what_they_compute(keras_tensorflow, tmp_path, data_dir):
    """The benchmark's Keras columns set compile(steps_per_execution=K, jit_compile=...) on the
    tutorial's own model; its optimizer, loss and metrics stay the tutorial's."""
    from keras_reference.run import run_reference
    from lightning_port.run.resolve import resolve_keras_run

    recipe = get_recipe("mnist_mlp_rmsprop")
    results = [
        run_reference(
            resolve_keras_run(
                output_dir=tmp_path / str(blocks), recipe=recipe, epochs=1, data_dir=data_dir, max_train_samples=2_000, verbose=0,
                steps_per_execution=blocks, replay_epoch_order=True,  # the same batches in both runs
            )
        )
        for blocks in (1, 8)
    ]
    assert [result["steps_per_execution"] for result in results] == [1, 8]
    assert results[0]["jit_compile"] is False  # "auto" on a CPU-only machine: no XLA
    # The same 63 steps either way; only how many run per call differs.
    assert results[1]["history"][0]["loss"] == pytest.approx(results[0]["history"][0]["loss"], rel=1e-5)
    assert results[1]["test"]["accuracy"] == pytest.approx(results[0]["test"]["accuracy"], abs=2e-3)


def test_unavailable_backend_is_a_clear_error():
    import importlib.util

    from keras_reference.backend import BackendError, select_backend

    if importlib.util.find_spec("jax") is not None:
        pytest.skip("jax is installed here")
    with pytest.raises(BackendError, match="needs the 'jax' package"):
        select_backend("jax")
