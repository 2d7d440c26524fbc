"""The intake served by uvicorn (HTTP/1.1, parsed by httptools), plain or with TLS, with
deadlines that keep slow or stalled senders from holding it.

uvicorn's own timeout covers a connection idle between requests (keep-alive) but not a request
trickling in: a client sending a header byte every few seconds would keep its connection, and
enough of them every connection. So a request's headers must be complete within
HEADERS_WITHIN_S of the connection opening (or of the previous answer), else the connection is
closed; the body's deadlines are the application's (app.py: between pieces and in all), and its
size is checked as it arrives. Connections and requests at once are capped at
LIMIT_CONCURRENCY (more: 503 from uvicorn).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADERS_WITHIN_S = 10.0
HEADERS_AT_MOST = 16 * 1024  # bytes, as uvicorn's h11 protocol allows
KEEP_ALIVE_S = 15  # a sender's next request on the same connection; below most balancers' 60 s
LIMIT_CONCURRENCY = 1000
GRACEFUL_S = 15  # SIGTERM: requests in hand are answered (their broker deadline is 10 s)


class _HeaderDeadline:
    """For uvicorn's HTTP/1.1 protocols (h11's and httptools', whose attributes are below): a
    connection whose request headers are not complete within HEADERS_WITHIN_S of its opening,
    or of the answer before, or that sends more than HEADERS_AT_MOST bytes before they are
    (httptools sets no limit of its own), is closed. Each protocol makes a new request cycle
    once a request's headers are in."""

    if TYPE_CHECKING:
        cycle: Any
        transport: asyncio.Transport
        loop: asyncio.AbstractEventLoop

    _deadline: asyncio.TimerHandle | None = None
    _awaiting: object = None  # the request cycle in hand when the deadline was armed
    _received = 0  # bytes since then

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._deadline is None:
            return
        if self.cycle is not self._awaiting:
            self._disarm()  # the headers are in: a new request cycle began
            return
        self._received += len(data)
        if self._received > HEADERS_AT_MOST and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # A pipelined request may have begun at once; else the next one's headers are due.
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._disarm()
        self._awaiting, self._received = self.cycle, 0
        self._deadline = self.loop.call_later(HEADERS_WITHIN_S, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.cycle is self._awaiting and not self.transport.is_closing():
            self.transport.close()


class HttpToolsDeadline(_HeaderDeadline, HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol on httptools (llhttp, in C), with the header deadline: with
    one event a request, a fifth less of the intake's CPU than h11."""


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    certfile: Path | None = None  # TLS where both are given
    keyfile: Path | None = None


def config(app: Starlette, listen: Listen) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=listen.host,
        port=listen.port,
        http=HttpToolsDeadline,
        lifespan="off",
        access_log=False,  # one line per request at thousands a second; /metrics counts them
        log_config=None,  # the worker's logging (worker/observability/logs.py) stays
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        limit_concurrency=LIMIT_CONCURRENCY,
        timeout_graceful_shutdown=GRACEFUL_S,
        ssl_certfile=listen.certfile,
        ssl_keyfile=listen.keyfile,
    )


def serve(app: Starlette, listen: Listen) -> None:
    """Serve until SIGTERM or SIGINT, then answer the requests in hand and return."""
    uvicorn.Server(config(app, listen)).run()
