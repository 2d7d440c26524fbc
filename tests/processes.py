"""Commands the tests run as a user would, in a process group of their own: a timeout kills the
command and every process it started (a benchmark's workers), not only the command."""

from __future__ import annotations

import os
import signal
import subprocess


def run_whole(
    command: list[str], env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """As subprocess.run(capture_output=True, text=True), but on a timeout the whole group is
    killed before TimeoutExpired is raised."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)
