"""A broker's last answer before it closes the connection reaches the client.

kafka-python 3.0 (kafka/net/transport.py, unchanged on its main branch in August 2026) reads a
socket until it would block, and when that read ends at the end of the stream it reports only
the disconnection: the bytes read with it are dropped. A broker that refuses credentials answers
and closes at once (Apache Kafka sends the refusal with the delayed close), so on a busy machine
the client often saw "socket disconnected" where the broker had said
SaslAuthenticationFailedError, and the worker told the operator that no broker answers.

`keep()` wraps each transport's read so that bytes come first: a read that got bytes and then
the end of the stream returns the bytes alone. The socket stays readable at its end, so the very
next read reports the disconnection as before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from kafka.net import transport

Read = Callable[[Any], tuple[bytes, Exception | None]]


def bytes_first(read: Read) -> Read:
    """`read` returning its bytes without the error that ended it, where there are bytes."""

    @functools.wraps(read)
    def sock_recv(self: Any) -> tuple[bytes, Exception | None]:
        data, error = read(self)
        return (data, None) if data and error is not None else (data, error)

    sock_recv.bytes_first = True  # type: ignore[attr-defined]
    return sock_recv


def keep() -> None:
    """Apply bytes_first to kafka-python's transports (once; calling again changes nothing)."""
    for cls in (transport.KafkaTCPTransport, transport.KafkaSSLTransport):
        read = cls.__dict__.get("_sock_recv")
        if read is not None and not getattr(read, "bytes_first", False):
            cls._sock_recv = bytes_first(read)
