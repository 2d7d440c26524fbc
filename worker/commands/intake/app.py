"""The intake's HTTP application (Starlette): POST /v1/events, GET /healthz, /readyz, /metrics.

Every request is answered from what it carries and what the broker says, nothing kept between
requests, so that any number of copies can run behind a load balancer. A request is refused
whole or forwarded whole (contracts §13); the answers:

  202 {"accepted": N}      the broker acknowledged every event (acks=all)
  400 {"error": ...}       not UTF-8 JSON, or a batch that is no array
  401 {"error": ...}       the source signs its requests and the signature is missing or wrong
  408 {"error": ...}       the body did not arrive in time (slow or stalled sender)
  413 {"error": ...}       over 1 MiB or 1,000 events
  415 {"error": ...}       another content type
  422 {"errors": [...]}    one entry per refused event: index, id, reason, detail
  502 {"error": ...}       the broker refused the events for good (a size, a permission)
  503 {"error": ...}       the broker did not acknowledge within the deadline (Retry-After)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schemas.signature import SIGNATURE_HEADER, SourceSecrets
from worker.commands.intake.body import (
    MAX_BODY_BYTES,
    Refused,
    check_encoding,
    declared_length,
    events_of,
    mode_of,
    too_large,
)
from worker.commands.intake.checks import Accepted, Invalid, Unauthorised, judged
from worker.domain.rules import RuleSet
from worker.kafka.errors import KafkaFailure
from worker.observability.intake import IntakeMetrics
from worker.pipeline.ports import Publisher, TransientError

log = logging.getLogger("ipasn_worker.intake")

ACK_TIMEOUT_S = 10.0  # contracts §13: 503 when the broker has not acknowledged by then
JUDGED_INLINE = 10  # events
CLIENT_GONE = 499  # nginx's code for a sender that left mid-request; counted, never sent


@dataclass(frozen=True)
class Intake:
    """What the application works with; `broker` says why the broker does not answer, or
    None (readiness)."""

    publisher: Publisher
    topic: str
    rules: RuleSet
    secrets: SourceSecrets
    metrics: IntakeMetrics
    broker: Callable[[], str | None]
    ack_timeout_s: float = ACK_TIMEOUT_S
    read_idle_s: float = 10.0  # longest wait for the next piece of a body
    read_total_s: float = 30.0  # longest wait for a whole body


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": detail}, status, headers)


async def _body(request: Request, intake: Intake) -> bytes:
    """The body, read as it streams in: Refused(413) as soon as it is over the limit, whatever
    the Content-Length said; Refused(408) where it stalls or trickles."""
    declared_length(request.headers.get("content-length"))
    body = bytearray()
    chunks = request.stream()
    try:
        with anyio.fail_after(intake.read_total_s):
            while True:
                with anyio.fail_after(intake.read_idle_s):
                    chunk = await anext(chunks, None)
                if chunk is None:
                    return bytes(body)
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise Refused(413, too_large())
    except TimeoutError:
        raise Refused(408, "the body did not arrive in time") from None


async def _forward(intake: Intake, accepted: Accepted) -> Response:
    messages = [(m.key, m.value, m.headers) for m in accepted.messages]
    deliver = partial(intake.publisher.deliver, intake.topic, messages, intake.ack_timeout_s)
    try:
        # A send that blocks for the broker's metadata is abandoned, not waited for, at the
        # deadline: the answer never comes later than it.
        with anyio.fail_after(intake.ack_timeout_s + 1):
            await anyio.to_thread.run_sync(deliver, abandon_on_cancel=True)
    except (TransientError, TimeoutError) as e:
        log.warning(
            "the broker did not acknowledge %d events within %.0f s (%s); answered 503",
            len(messages),
            intake.ack_timeout_s,
            e or type(e).__name__,
        )
        retry = {"Retry-After": str(round(intake.ack_timeout_s))}
        return _error(503, "the broker did not acknowledge the events; retry later", retry)
    except KafkaFailure as e:  # not retriable: the broker refused them (a size, a permission)
        log.warning("the broker refused %d events: %s", len(messages), type(e).__name__)
        return _error(502, f"the broker refused the events ({type(e).__name__})")
    return Acknowledged(len(messages))


async def _answer(request: Request, intake: Intake) -> tuple[Response, str | None]:
    """The answer to one POST /v1/events, and the request's source where it is known (a 202's
    is every event's)."""
    try:
        mode = mode_of(request.headers.get("content-type"))
        check_encoding(request.headers.get("content-encoding"))
        body = await _body(request, intake)
        events = events_of(body, mode)
    except Refused as e:
        return _error(e.status, e.detail), None
    signatures = [v.encode("latin-1") for v in request.headers.getlist(SIGNATURE_HEADER)]
    judge = partial(judged, events, body, signatures, intake.rules, intake.secrets)
    # A few events are judged in the event loop (tens of µs each; a thread's hand-over cost a
    # fifth of the intake's CPU with one event a request), more in a thread, so that a large
    # batch holds no other request nor probe.
    outcome = judge() if len(events) <= JUDGED_INLINE else await anyio.to_thread.run_sync(judge)
    if isinstance(outcome, Unauthorised):
        return _error(401, outcome.detail), outcome.source
    if isinstance(outcome, Invalid):
        log.info(
            "refused a request of %d events: %d invalid (%s)",
            len(events),
            len(outcome.errors),
            ", ".join(sorted({e.reason for e in outcome.errors})),
        )
        return JSONResponse(outcome.as_json(), 422), outcome.source
    return await _forward(intake, outcome), outcome.source


async def _events(request: Request) -> Response:
    intake: Intake = request.app.state.intake
    started = time.monotonic()
    try:
        response, source = await _answer(request, intake)
    except ClientDisconnect:  # the sender left mid-body: nothing read, nothing forwarded
        response, source = Response(status_code=CLIENT_GONE), None
    forwarded = getattr(response, "accepted", 0)
    intake.metrics.answered(response.status_code, source, time.monotonic() - started, forwarded)
    return response


class Acknowledged(JSONResponse):
    """202 {"accepted": N}: every one of N events acknowledged by the broker."""

    def __init__(self, accepted: int) -> None:
        super().__init__({"accepted": accepted}, 202)
        self.accepted = accepted


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "checks": {"http": {"ok": True}}})


async def _readyz(request: Request) -> Response:
    intake: Intake = request.app.state.intake
    failure = await anyio.to_thread.run_sync(intake.broker)
    check: dict[str, object] = {"ok": failure is None}
    if failure:
        check["detail"] = failure
    status = "ok" if failure is None else "unavailable"
    return JSONResponse(
        {"status": status, "checks": {"broker": check}}, 200 if check["ok"] else 503
    )


async def _metrics(request: Request) -> Response:
    page, content_type = request.app.state.intake.metrics.page()
    return Response(page, headers={"Content-Type": content_type})


async def _http_error(request: Request, exc: Exception) -> Response:
    """404 and 405 (with its Allow header) in JSON, as every other answer."""
    if not isinstance(exc, HTTPException):
        return _error(500, "internal error")
    return _error(exc.status_code, exc.detail, dict(exc.headers or {}))


def application(intake: Intake) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/events", _events, methods=["POST"]),
            Route("/healthz", _healthz, methods=["GET", "HEAD"]),
            Route("/readyz", _readyz, methods=["GET", "HEAD"]),
            Route("/metrics", _metrics, methods=["GET", "HEAD"]),
        ],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.intake = intake
    return app
