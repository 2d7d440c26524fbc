"""`ipasn-worker intake`'s limits as a sender meets them over a real socket: sizes, content
types and JSON refused with nothing forwarded, a sender that leaves mid-body, and senders that
trickle or flood their headers cut off, while the intake serves on."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.conftest import Topics
from tests.integration.test_intake import forwarded, intake_client, metric, port_of, post_events
from worker.dev.bench.intake import training_events
from worker.dev.brokers import LocalBroker
from worker.dev.intake import BATCH, SINGLE, batch_body

pytestmark = pytest.mark.kafka


def test_a_request_killed_mid_body_forwards_nothing(broker: LocalBroker, topics: Topics) -> None:
    body = batch_body(training_events(100, "killed"))
    with intake_client(broker, topics) as client:
        port = port_of(client)
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(
                b"POST /v1/events HTTP/1.1\r\nHost: intake\r\n"
                b"Content-Type: " + BATCH.encode() + b"\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[: len(body) // 2]
            )
            time.sleep(0.5)
        deadline = time.monotonic() + 10
        while metric(client, 'ipasn_intake_requests_total{status="499"') < 1:
            assert time.monotonic() < deadline, "the intake did not see the sender leave"
            time.sleep(0.2)
        assert post_events(client, b"[]").status_code == 202  # it serves on
    assert forwarded(broker, topics.input) == 0


def test_too_large_wrong_type_and_not_json_are_refused_and_forward_nothing(
    broker: LocalBroker, topics: Topics
) -> None:
    with intake_client(broker, topics) as client:
        too_many = post_events(client, batch_body(training_events(1001, "many")))
        too_big = post_events(client, b"[" + b" " * (1 << 20) + b"]")
        wrong_type = post_events(client, training_events(1, "type")[0], "application/json")
        not_json = post_events(client, b'{"specversion": "1.0",', SINGLE)
        # Refused from the Content-Length alone, before any body is sent.
        with socket.create_connection(("127.0.0.1", port_of(client)), timeout=5) as raw:
            raw.sendall(
                b"POST /v1/events HTTP/1.1\r\nHost: intake\r\nContent-Type: "
                + SINGLE.encode()
                + b"\r\nContent-Length: 50000000\r\n\r\n"
            )
            announced = raw.recv(200)
    assert [a.status_code for a in (too_many, too_big, wrong_type, not_json)] == [
        413,
        413,
        415,
        400,
    ]
    assert announced.startswith(b"HTTP/1.1 413")
    assert forwarded(broker, topics.input) == 0


def test_a_sender_trickling_its_headers_is_cut_off(broker: LocalBroker, topics: Topics) -> None:
    with intake_client(broker, topics) as client:
        with socket.create_connection(("127.0.0.1", port_of(client))) as raw:
            raw.settimeout(20)
            raw.sendall(b"POST /v1/events HTTP/1.1\r\nHost: intake\r\n")
            started = time.monotonic()
            closed_after = None
            for n in range(20):
                try:
                    raw.sendall(f"X-Slow-{n}: a\r\n".encode())
                except OSError:
                    closed_after = time.monotonic() - started
                    break
                raw.settimeout(1)
                try:
                    if raw.recv(100) == b"":
                        closed_after = time.monotonic() - started
                        break
                except TimeoutError:
                    pass
        assert client.get("/healthz").status_code == 200
    assert closed_after is not None, "the connection stayed open"
    assert closed_after < 13


def _cut_off(raw: socket.socket, lines: Iterator[bytes]) -> bool:
    """Whether the intake closed the connection while these were sent, or right after (within
    the socket's timeout)."""
    try:
        for line in lines:
            raw.sendall(line)
        return raw.recv(100) == b""
    except TimeoutError:
        return False
    except OSError:  # reset while sending
        return True


def test_headers_over_16_kib_close_the_connection(broker: LocalBroker, topics: Topics) -> None:
    with intake_client(broker, topics) as client:
        # Well within the 10 s for the headers: the size, not the time, cuts it off.
        with socket.create_connection(("127.0.0.1", port_of(client)), timeout=3) as raw:
            raw.sendall(b"POST /v1/events HTTP/1.1\r\nHost: intake\r\n")
            headers = (f"X-Big-{n}: {'a' * 1000}\r\n".encode() for n in range(10_000))
            assert _cut_off(raw, headers)
        assert client.get("/healthz").status_code == 200
