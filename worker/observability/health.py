"""The metrics port (contracts §11): GET /metrics, /healthz and /readyz; every other path 404.

/healthz answers 200 while the processing loop has completed an iteration within the last
`live_within_s` seconds, /readyz while the worker is a member of its settled consumer group,
the database answers and publishing is not blocked (a topic missing, the broker not
acknowledging: the log names the cause). Both say which check failed in a short JSON body,
and `ipasn_ready` carries /readyz's answer to Prometheus (which does not probe paths).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, Metric, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# How long a database's (or a broker's) answer stands before it is asked again: probes and
# scrapes every few seconds from several places cost one query.
DATABASE_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class LoopState:
    iterated_at: float  # unix time of the last completed iteration; 0: none yet
    joined: bool  # a member of its settled consumer group, as the loop last saw
    publishing_blocked: bool = False  # a publish is failing and being retried


def gauge_value(metric: Collector) -> float:
    """The value of a metric without labels, through its public collect()."""
    return next(s.value for family in metric.collect() for s in family.samples)


class AnswerCheck:
    """Whether a service answers, asked at most every DATABASE_EVERY_S: `ping` asks it (the
    database's `SELECT 1`, worker/db/engine.py; the intake's broker) and raises when it does
    not answer."""

    def __init__(
        self, ping: Callable[[], object], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ping = ping
        self.clock = clock
        self._lock = threading.Lock()
        self._answer: tuple[float, str | None] | None = None  # (asked at, the error or None)

    def __call__(self) -> str | None:
        """None when it answers, else why not (the error's class: never a URL or password)."""
        with self._lock:
            now = self.clock()
            if self._answer is None or now - self._answer[0] >= DATABASE_EVERY_S:
                self._answer = (now, self._ask())
            return self._answer[1]

    def _ask(self) -> str | None:
        try:
            self.ping()
        except Exception as e:  # noqa: BLE001 - any failure means "not ready", said by name
            return f"no answer ({type(e).__name__})"
        return None


class Health:
    def __init__(
        self,
        loop: Callable[[], LoopState],
        database: Callable[[], str | None],
        *,
        live_within_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.loop = loop
        self.database = database
        self.live_within_s = live_within_s
        self.clock = clock

    def _loop_check(self, state: LoopState) -> dict[str, Any]:
        if not state.iterated_at:
            return {"ok": False, "detail": "the processing loop has not started"}
        ago = max(0.0, self.clock() - state.iterated_at)
        check: dict[str, Any] = {"ok": ago < self.live_within_s, "seconds_since": round(ago, 1)}
        if not check["ok"]:
            check["detail"] = f"no loop iteration completed in {self.live_within_s:.0f} s"
        return check

    def live(self) -> tuple[bool, dict[str, Any]]:
        return _answer({"loop": self._loop_check(self.loop())})

    def ready(self) -> tuple[bool, dict[str, Any]]:
        state = self.loop()
        # The loop's word on the group counts only while the loop is alive to update it.
        joined = state.joined and self._loop_check(state)["ok"]
        group: dict[str, Any] = {"ok": joined}
        if not joined:
            group["detail"] = "not a member of a settled consumer group"
        failure = self.database()
        database: dict[str, Any] = {"ok": failure is None}
        if failure:
            database["detail"] = failure
        publishing: dict[str, Any] = {"ok": not state.publishing_blocked}
        if state.publishing_blocked:
            publishing["detail"] = "publishing fails and is being retried (the log says why)"
        return _answer({"consumer_group": group, "database": database, "publishing": publishing})


def _answer(checks: dict[str, dict[str, Any]]) -> tuple[bool, dict[str, Any]]:
    ok = all(c["ok"] for c in checks.values())
    return ok, {"status": "ok" if ok else "unavailable", "checks": checks}


class ReadyCollector:
    """`ipasn_ready`: 1 when /readyz would answer 200, else 0."""

    def __init__(self, health: Health) -> None:
        self.health = health

    def collect(self) -> Iterable[Metric]:
        ok, _ = self.health.ready()
        yield GaugeMetricFamily(
            "ipasn_ready",
            "1 when /readyz answers 200: a member of its consumer group, the database answering.",
            value=1 if ok else 0,
        )


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def application(registry: CollectorRegistry, health: Health) -> WsgiApp:
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
        if path not in ("/metrics", "/healthz", "/readyz"):
            return _json(start_response, "404 Not Found", {"error": "not found"})
        if method not in ("GET", "HEAD"):
            return _json(start_response, "405 Method Not Allowed", {"error": "use GET"})
        if path == "/metrics":
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        ok, body = health.live() if path == "/healthz" else health.ready()
        return _json(start_response, "200 OK" if ok else "503 Service Unavailable", body)

    return app


def _json(start_response: Callable[..., Any], status: str, body: object) -> list[bytes]:
    payload = json.dumps(body, separators=(",", ":")).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [payload]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds: no line for each."""


@contextmanager
def serving(registry: CollectorRegistry, health: Health, port: int) -> Iterator[int]:
    """Serve /metrics, /healthz and /readyz on the port (0: not at all) until the block ends;
    yields the port."""
    if not port:
        yield 0
        return
    server = make_server(
        "0.0.0.0",  # noqa: S104 - Prometheus and the probes come from other hosts
        port,
        application(registry, health),
        ThreadingWSGIServer,
        handler_class=_Quiet,
    )
    thread = threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
