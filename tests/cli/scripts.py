"""Run the command-line scripts as a user would: a fresh process, real arguments."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPOSITORY_ROOT, data_root


def script_environment(**extra) -> dict:
    return {**os.environ, "LIGHTNING_PORT_DATA": str(data_root()), "LIGHTNING_PORT_OFFLINE": "1", **extra}


def run_script(script: str, *arguments: str, timeout: int = 600, **environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPOSITORY_ROOT / "scripts" / script), *arguments],
        cwd=REPOSITORY_ROOT,
        env=script_environment(**environment),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_script(script: str, *arguments: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(REPOSITORY_ROOT / "scripts" / script), *arguments],
        cwd=REPOSITORY_ROOT,
        env=script_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def last_error_line(completed: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.stderr.strip().splitlines()[-1]
