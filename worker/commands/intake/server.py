"""The intake served by uvicorn (HTTP/1.1, h11), plain or with TLS, with deadlines that keep
slow or stalled senders from holding it.

uvicorn's own timeout covers a connection idle between requests (keep-alive) but not a request
trickling in: a client sending a header byte every few seconds would keep its connection, and
enough of them every connection. So a request's headers must be complete within
HEADERS_WITHIN_S of the connection opening (or of the previous answer), else the connection is
closed; the body's deadlines are the application's (app.py: between pieces and in all), and its
size is checked as it arrives. Headers are capped at h11's 16 KiB; connections and requests at
once at LIMIT_CONCURRENCY (more: 503 from uvicorn).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADERS_WITHIN_S = 10.0
KEEP_ALIVE_S = 15  # a sender's next request on the same connection; below most balancers' 60 s
LIMIT_CONCURRENCY = 1000
GRACEFUL_S = 15  # SIGTERM: requests in hand are answered (their broker deadline is 10 s)


class HeaderDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol; a connection whose request headers are not complete
    within HEADERS_WITHIN_S of its opening, or of the answer before, is closed."""

    _deadline: asyncio.TimerHandle | None = None
    _awaiting: object = None  # the request cycle in hand when the deadline was armed

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._deadline is not None and self.cycle is not self._awaiting:
            self._disarm()  # the headers are in: a new request cycle began

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A pipelined request may have begun at once; else the next one's headers are due.
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._awaiting = self.cycle
        self._deadline = self.loop.call_later(HEADERS_WITHIN_S, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.cycle is self._awaiting and not self.transport.is_closing():
            self.transport.close()


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    certfile: Path | None = None  # TLS where both are given
    keyfile: Path | None = None


def config(app: Starlette, listen: Listen, **extra: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=listen.host,
        port=listen.port,
        http=HeaderDeadline,
        lifespan="off",
        access_log=False,  # one line per request at thousands a second; /metrics counts them
        log_config=None,  # the worker's logging (worker/observability/logs.py) stays
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        limit_concurrency=LIMIT_CONCURRENCY,
        timeout_graceful_shutdown=GRACEFUL_S,
        ssl_certfile=listen.certfile,
        ssl_keyfile=listen.keyfile,
        **extra,
    )


def serve(app: Starlette, listen: Listen) -> None:
    """Serve until SIGTERM or SIGINT, then answer the requests in hand and return."""
    uvicorn.Server(config(app, listen)).run()
