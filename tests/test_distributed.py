"""Lightning DDP on CPU (gloo, 2 processes), started the way users start it."""

from lightning_port.support.results import read_result
from tests.cli.scripts import run_script


def test_ddp_on_two_cpu_processes_trains_mnist_mlp_to_the_tutorial_band(tmp_path):
    output_dir = tmp_path / "ddp"
    completed = run_script(
        "train.py", "--model", "mnist_mlp", "--accelerator", "cpu", "--devices", "2", "--strategy", "ddp",
        "--output-dir", str(output_dir), "--no-progress-bar",
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = read_result(output_dir)
    print(f"DDP x2: test accuracy {result['test']['accuracy']:.4f}, effective batch {result['effective_batch_size']}")
    assert result["world_size"] == 2
    assert result["per_device_batch_size"] == 32 and result["effective_batch_size"] == 64
    assert "effective batch 64 over 2 processes" in completed.stdout
    assert result["test"]["accuracy"] >= 0.96
    # every epoch logged once, metrics summed over both ranks' shards
    assert [row["epoch"] for row in result["history"]] == [1, 2, 3, 4, 5]
