"""Bad input on the command line: one clear line, the right exit code, nothing changed."""

import pytest

from lightning_port.registry import model_names
from tests.cli.scripts import last_error_line, run_script
from tests.helpers import train


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, data_dir):
    """A finished one-epoch mnist_mlp run (output dir with checkpoint)."""
    root = tmp_path_factory.mktemp("small-run")
    train(root, "mnist_mlp", epochs=1, max_train_samples=1_000, data_dir=str(data_dir))
    return root / "mnist_mlp"


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        (["--model", "mnist"], ["argument --model: invalid choice: 'mnist'", *model_names()]),
        (["--epochs", "-1"], ["argument --epochs: must be 1 or more, got -1"]),
        (["--epochs", "two"], ["argument --epochs: expected a whole number, got 'two'"]),
        (["--batch-size", "0"], ["argument --batch-size: must be 1 or more, got 0"]),
        (["--accelerator", "tpu"], ["argument --accelerator: invalid choice: 'tpu'", "cpu", "gpu", "auto"]),
        (["--holdout", "0.2"], ["--holdout applies to models scored on their training data (pima_mlp), not mnist_mlp"]),
        (["--model", "pima_mlp", "--holdout", "1.5"], ["must be strictly between 0 and 1"]),
        (["--resume"], ["--resume needs --output-dir"]),
        (["--compile", "--devices", "2", "--strategy", "ddp"], ["--compile runs on one device", "--devices 2"]),
        (["--compile", "--precision", "16-mixed"], ["--compile runs on one device", "--precision 16-mixed"]),
    ],
)
def test_bad_flags_are_one_line_usage_errors(arguments, fragments, capsys, monkeypatch):
    # In this process: the script is this main() (scripts/train.py), and a fresh interpreter
    # per case cost 6-9 s of the suite each for nothing the case checks; the script itself is
    # run as a user runs it in the test below.
    from lightning_port.cli.train import LAUNCHED_OUTPUT_DIR_VARIABLE, main

    # main() names a default output folder in this variable for DDP's child processes (cases
    # that pass the parser get that far); removed again at teardown, so no later script inherits it.
    monkeypatch.delenv(LAUNCHED_OUTPUT_DIR_VARIABLE, raising=False)

    with pytest.raises(SystemExit) as exited:
        main(list(arguments))
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr, stderr
    line = stderr.strip().splitlines()[-1]
    assert line.startswith("train.py: error:")
    for fragment in fragments:
        assert fragment in line


def test_the_script_exits_2_with_one_usage_line():
    completed = run_script("train.py", "--model", "mnist", timeout=120)
    assert completed.returncode == 2
    assert last_error_line(completed).startswith("train.py: error: argument --model: invalid choice: 'mnist'")


def test_missing_data_is_one_line_naming_the_folder(tmp_path):
    completed = run_script("train.py", "--data-dir", str(tmp_path / "empty"), "--output-dir", str(tmp_path / "run"))
    assert completed.returncode == 1
    line = last_error_line(completed)
    assert line.startswith("train.py: error: MNIST not found in") and str(tmp_path / "empty") in line and "--data-dir" in line


def test_compile_without_a_cpp_compiler_is_one_line(tmp_path):
    """Inductor builds C++ kernels on CPU; without a compiler --compile must say so, not dump a trace."""
    completed = run_script(
        "train.py", "--compile", "--epochs", "1", "--max-train-samples", "200", "--output-dir", str(tmp_path / "run"),
        CXX=str(tmp_path / "no-such-compiler"), TORCHINDUCTOR_CACHE_DIR=str(tmp_path / "inductor-cache"),
    )
    assert completed.returncode == 1
    line = last_error_line(completed)
    assert line.startswith("train.py: error: --compile: torch.compile could not build the training step")
    assert "C++ compiler" in line and "without --compile" in line


def test_predict_refuses_a_checkpoint_of_another_model(small_run):
    checkpoint = small_run / "checkpoints" / "last.ckpt"
    completed = run_script("predict.py", "--checkpoint", str(checkpoint), "--model", "mnist_mlp_512")
    assert completed.returncode == 1
    line = last_error_line(completed)
    assert "is a mnist_mlp checkpoint, not mnist_mlp_512" in line


def test_predict_on_a_corrupt_checkpoint(tmp_path):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    completed = run_script("predict.py", "--checkpoint", str(bad))
    assert completed.returncode == 1
    assert "not a readable PyTorch checkpoint" in last_error_line(completed)


def test_resume_refuses_another_model(small_run):
    completed = run_script("train.py", "--model", "mnist_mlp_512", "--output-dir", str(small_run), "--resume")
    assert completed.returncode == 2
    line = last_error_line(completed)
    assert "was trained with model='mnist_mlp', not 'mnist_mlp_512'" in line


def test_a_finished_run_is_not_overwritten(small_run):
    before = (small_run / "result.json").read_bytes()
    completed = run_script("train.py", "--output-dir", str(small_run))
    assert completed.returncode == 2
    assert "already holds a run; pass --resume" in last_error_line(completed)
    assert (small_run / "result.json").read_bytes() == before


def test_predict_prints_the_tutorials_last_step(small_run):
    completed = run_script("predict.py", "--checkpoint", str(small_run / "checkpoints" / "last.ckpt"), "--count", "5")
    assert completed.returncode == 0, completed.stderr
    assert "true:      [7, 2, 1, 0, 4]" in completed.stdout


def test_the_gpu_command_without_cuda_is_one_line_and_writes_nothing(tmp_path):
    """The card's own example command on a machine without a GPU."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    output_dir = tmp_path / "run"
    completed = run_script("train.py", "--model", "mnist_mlp", "--accelerator", "gpu", "--output-dir", str(output_dir), timeout=120)
    assert completed.returncode == 2
    line = last_error_line(completed)
    assert "no CUDA device is visible" in line and "--accelerator cpu" in line and "auto" in line
    assert not output_dir.exists()


def test_more_devices_than_gpus_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    import torch

    from lightning_port.run.resolve import RunConfigError, resolve_training_run

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(RunConfigError, match=r"--devices 4: only 2 CUDA device\(s\) visible"):
        resolve_training_run(output_dir=tmp_path / "run", accelerator="gpu", devices=4)
    assert not (tmp_path / "run").exists()


def test_a_run_that_fails_before_its_first_epoch_leaves_nothing_that_blocks_a_retry(tmp_path, data_dir):
    """Missing data the first time: the same command, with the data in place, then runs."""
    empty = tmp_path / "empty"
    output_dir = tmp_path / "run"
    arguments = ["--model", "mnist_mlp_rmsprop", "--epochs", "1", "--max-train-samples", "256", "--output-dir", str(output_dir), "--no-progress-bar"]
    failed = run_script("train.py", *arguments, "--data-dir", str(empty), timeout=120)
    assert failed.returncode == 1 and "not found in" in last_error_line(failed)
    assert not output_dir.exists()
    retried = run_script("train.py", *arguments, "--data-dir", str(data_dir), timeout=300)
    assert retried.returncode == 0, retried.stderr[-2000:]
    assert (output_dir / "result.json").exists()
