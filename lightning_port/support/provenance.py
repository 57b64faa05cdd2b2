"""Where and when a figure was measured: time, git commit and machine, stamped on every record.

A number without its provenance cannot be told apart from a stale one; result files,
parity rows and benchmark JSON all carry this stamp.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
import time
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def git_commit() -> str:
    """The checkout's commit (short hash), with "-dirty" when tracked files differ from it;
    "unknown" outside a git checkout (an installed copy)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPOSITORY_ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPOSITORY_ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


@functools.cache
def _first_processor() -> dict[str, str] | None:
    """The first processor's fields in /proc/cpuinfo (its block describes them all); None
    where there is no such file."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def cpu_model() -> str:
    fields = _first_processor() or {}
    return fields.get("model name") or platform.processor() or platform.machine()


def machine() -> str:
    """Host name, CPU model and core count. A virtual machine may report only "AMD EPYC", so
    two machines with this string can still differ in their CPU (``cpu()`` says how)."""
    return f"{platform.node()} ({cpu_model()}, {os.cpu_count()} cores)"


# The vector instructions a float32 kernel picks its code path by, and so its rounding. Two Keras
# addition_rnn runs of one seed in one batch order, both stamped "vm (AMD EPYC, 2 cores)", parted
# in their last bits within four epochs (README, Tests), and whether their CPUs differed could
# not be told: the machine string alone does not say whether two figures share a computation.
KERNEL_CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile")


def cpu() -> str:
    """CPU family, model and stepping (they tell processor generations apart where the model
    name is masked) and which of ``KERNEL_CPU_FLAGS`` it has: "family 25 model 17 stepping 1;
    avx2 fma avx512f avx512_vnni avx512_bf16"; "unknown" without /proc/cpuinfo."""
    fields = _first_processor()
    if fields is None:
        return "unknown"
    flags = set(fields.get("flags", "").split())
    identity = " ".join(f"{name} {fields[key]}" for name, key in (("family", "cpu family"), ("model", "model"), ("stepping", "stepping")) if key in fields)
    kernels = " ".join(flag for flag in KERNEL_CPU_FLAGS if flag in flags) or "none of " + " ".join(KERNEL_CPU_FLAGS)
    return f"{identity}; {kernels}" if identity else kernels


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def stamp() -> dict[str, str]:
    """The provenance fields every measured record carries."""
    return {"measured_at": now(), "commit": git_commit(), "machine": machine(), "cpu": cpu()}


def numeric_environment() -> str:
    """The settings that change float32 kernels (thread count, TensorFlow's oneDNN): printed
    beside parity verdicts, which must not depend on them."""
    import torch

    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)")
    return f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, TF_ENABLE_ONEDNN_OPTS={onednn}"
