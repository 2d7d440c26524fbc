"""What every development broker offers: a bootstrap address, topics, start and stop."""

from __future__ import annotations

import socket
from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import MappingProxyType, TracebackType
from typing import Self

from worker.commands import CommandError
from worker.kafka import clients
from worker.kafka.admin import create_topics


class DevBrokerError(CommandError):
    """A development broker could not be fetched or started; the message is one line."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_taken(port: int) -> bool:
    """Whether something already listens on the local port (a broker left running, say)."""
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, timeout_s: float) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout_s).close()
    except OSError:
        return False
    return True


class LocalBroker(ABC):
    """A broker on 127.0.0.1 that lives as long as this object is started."""

    name: str
    replication_factor = 1
    # kafka-python's options for connecting to it (security); none for a plain broker.
    client_options: Mapping[str, object] = MappingProxyType({})

    def __init__(self, port: int) -> None:
        self.port = port or free_port()

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def create_topics(self, topics: Mapping[str, int], timeout_s: float = 30.0) -> None:
        """Create topics with the given partition counts; existing ones are left alone.

        Returns once every broker's metadata lists them, so a client can use them at once.
        """
        try:
            create_topics(
                self.bootstrap,
                topics,
                self.replication_factor,
                client_id=clients.DEV,
                security=self.client_options,
                timeout_s=timeout_s,
            )
        except TimeoutError as e:
            raise DevBrokerError(str(e)) from None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class GivenBroker(LocalBroker):
    """A broker someone else started and stops."""

    replication_factor = -1  # the broker's default.replication.factor

    def __init__(self, bootstrap: str, name: str | None = None) -> None:
        super().__init__(1)
        self.given = bootstrap
        self.name = name or f"the broker at {bootstrap}"

    @property
    def bootstrap(self) -> str:
        return self.given

    def start(self) -> GivenBroker:
        return self

    def stop(self) -> None:
        pass
