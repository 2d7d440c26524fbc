"""A test's command that times out takes every process it started with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import run_whole

STARTS_A_CHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(60)
"""


def _gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
            return True  # killed, waiting to be reaped by whoever adopted it
        time.sleep(0.1)
    return False


def test_a_timeout_kills_the_command_and_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    command = [sys.executable, "-c", STARTS_A_CHILD, str(pid_file)]

    with pytest.raises(subprocess.TimeoutExpired):
        run_whole(command, dict(os.environ), timeout=3)

    assert _gone(int(pid_file.read_text()))


def test_a_command_that_ends_gives_its_output_and_status() -> None:
    done = run_whole([sys.executable, "-c", "print('out'); exit(3)"], dict(os.environ), 30)

    assert (done.returncode, done.stdout) == (3, "out\n")
