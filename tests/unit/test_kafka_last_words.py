"""A broker's answer followed at once by the end of the connection reaches kafka-python's
protocol before the disconnection does (worker/kafka/last_words.py). Without it the answer was
dropped: a refusal of credentials read as "socket disconnected". Real sockets, plain and TLS."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka.errors import KafkaConnectionError
from kafka.net import transport
from kafka.net.selector import NetworkSelector

import worker.kafka  # noqa: F401 - importing the adapters applies the fix
from tests.integration.tls import make_certificates
from worker.kafka import last_words

ANSWER = b"the broker's last answer. " * 400  # more than one 4 KiB read


class Protocol:
    """What kafka-python's connection is to its transport: given bytes, then told of the end."""

    _sensors = None

    def __init__(self) -> None:
        self.received = b""
        self.events: list[str] = []
        self.lost: Exception | None = None

    def data_received(self, data: bytes) -> None:
        self.received += data
        self.events.append("data")

    def connection_lost(self, error: Exception | None) -> None:
        self.lost = error
        self.events.append("lost")


def read_to_the_end(net: NetworkSelector, conn: Any) -> Protocol:
    protocol = Protocol()
    conn.set_protocol(protocol)
    conn.resume_reading()
    for _ in range(200):
        net.poll(timeout_ms=50)
        if "lost" in protocol.events:
            break
    return protocol


def assert_answer_then_disconnection(protocol: Protocol) -> None:
    assert protocol.received == ANSWER
    assert protocol.events[0] == "data"
    assert protocol.events[-1] == "lost"
    assert protocol.events.count("lost") == 1
    assert isinstance(protocol.lost, KafkaConnectionError)


def test_bytes_sent_just_before_a_close_are_read_before_the_disconnection() -> None:
    client, broker = socket.socketpair()
    client.setblocking(False)
    broker.sendall(ANSWER)
    broker.close()  # the answer and the end both wait when the client first reads: the race, sure

    net = NetworkSelector()
    assert_answer_then_disconnection(read_to_the_end(net, transport.KafkaTCPTransport(net, client)))


def test_the_same_over_tls(tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.broker)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def broker() -> None:
        conn, _ = listener.accept()
        with server.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(ANSWER)

    answering = threading.Thread(target=broker)
    answering.start()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    net = NetworkSelector()
    conn = transport.KafkaSSLTransport(net, sock, host="127.0.0.1", ssl_cafile=str(certs.ca))
    net.run(conn.handshake)
    answering.join(timeout=10)  # answered and closed before the client reads a byte
    listener.close()

    assert_answer_then_disconnection(read_to_the_end(net, conn))


def test_a_read_with_bytes_and_an_error_gives_the_bytes_and_the_next_read_the_error() -> None:
    error = KafkaConnectionError("socket disconnected")
    reads = iter([(b"answer", error), (b"", error)])
    read: Callable[[Any], tuple[bytes, Exception | None]] = lambda _self: next(reads)  # noqa: E731
    fixed = last_words.bytes_first(read)

    assert fixed(None) == (b"answer", None)
    assert fixed(None) == (b"", error)


def test_keeping_twice_wraps_once() -> None:
    before = transport.KafkaSSLTransport.__dict__["_sock_recv"]
    last_words.keep()
    assert transport.KafkaSSLTransport.__dict__["_sock_recv"] is before
    assert getattr(transport.KafkaTCPTransport.__dict__["_sock_recv"], "bytes_first", False)
    assert getattr(before, "bytes_first", False)
