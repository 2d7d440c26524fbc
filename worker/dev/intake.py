"""A running `ipasn-worker intake` for the development tools and the tests: started as its own
process on a free port, as in production, and posted to as a sender would."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from worker.dev.brokers import free_port
from worker.dev.brokers.base import wait_for_port

SINGLE = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
STARTED_WITHIN_S = 30.0


def batch_body(events: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(events) + b"]"


@contextmanager
def running_intake(env: Mapping[str, str], *args: str) -> Iterator[int]:
    """`ipasn-worker intake ARGS` on a free port for the block, once it listens; yields the
    port. Its output goes to this process's."""
    with intake_process(env, *args) as (port, _):
        yield port


@contextmanager
def intake_process(env: Mapping[str, str], *args: str) -> Iterator[tuple[int, int]]:
    """As running_intake, yielding its port and process id."""
    port = free_port()
    command = [sys.executable, "-m", "worker.cli", "intake", "--port", str(port), *args]
    process = subprocess.Popen(command, env={**os.environ, **env})  # noqa: S603 - ourselves
    try:
        _wait_until_listening(process, port)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + STARTED_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ipasn-worker intake exited with status {process.returncode}")
        if wait_for_port(port, 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"ipasn-worker intake did not listen within {STARTED_WITHIN_S:.0f} s")


def post(
    connection: http.client.HTTPConnection,
    body: bytes,
    content_type: str,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, bytes]:
    """POST /v1/events on a kept-alive connection: the status and the body answered."""
    connection.request(
        "POST", "/v1/events", body, {"Content-Type": content_type, **(headers or {})}
    )
    response = connection.getresponse()
    return response.status, response.read()
