"""The intake's application (worker/commands/intake/app.py) in process, on a fake publisher:
the answers that need a broker that fails or a sender that stalls, and the metrics they leave.
The real server, broker and worker: tests/integration/test_intake.py."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

from schemas.rules import load_rules
from schemas.signature import SourceSecrets
from tests.factories import cloud_event, training_data
from tests.fakes import FakePublisher
from worker.commands.intake.app import Intake, application
from worker.commands.intake.body import BATCH, MAX_BODY_BYTES, SINGLE
from worker.observability.intake import IntakeMetrics
from worker.pipeline.ports import Outgoing, TransientError

EVENT = cloud_event("training", training_data())
TOPIC = "changes"


class Unacknowledging(FakePublisher):
    """A broker that does not answer: deliver() raises as KafkaPublisher's does, or hangs."""

    def __init__(self, hang: bool = False) -> None:
        super().__init__([])
        self.hang = hang
        self.release = threading.Event()

    def deliver(self, topic: str, messages: Sequence[Outgoing], timeout_s: float) -> None:
        if self.hang:
            self.release.wait(30)
        raise TransientError("Kafka: KafkaTimeoutError")


def _intake(publisher: FakePublisher, **options: Any) -> Intake:
    return Intake(
        publisher,
        TOPIC,
        load_rules(None),
        SourceSecrets(),
        IntakeMetrics(),
        lambda: None,
        **options,
    )


async def _request(intake: Intake, method: str, path: str, **options: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=application(intake))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        return await client.request(method, path, **options)


async def _post(intake: Intake, content: Any, content_type: str = SINGLE) -> httpx.Response:
    headers = {"content-type": content_type}
    return await _request(intake, "POST", "/v1/events", content=content, headers=headers)


def _sample(intake: Intake, name: str, **labels: str) -> float:
    value = intake.metrics.registry.get_sample_value(name, labels)
    return value or 0.0


def test_accepted_events_are_forwarded_and_counted() -> None:
    publisher = FakePublisher([])
    intake = _intake(publisher)
    answer = asyncio.run(_post(intake, json.dumps([EVENT, EVENT]), BATCH))
    assert (answer.status_code, answer.json()) == (202, {"accepted": 2})
    assert [(t, k) for t, k, _ in publisher.published] == [(TOPIC, EVENT["subject"].encode())] * 2
    assert _sample(intake, "ipasn_intake_requests_total", status="202", system="siasn") == 1
    assert _sample(intake, "ipasn_intake_events_forwarded_total", system="siasn") == 2
    assert _sample(intake, "ipasn_intake_request_duration_seconds_count") == 1


def test_a_broker_that_does_not_acknowledge_is_503_with_retry_after() -> None:
    intake = _intake(Unacknowledging())
    answer = asyncio.run(_post(intake, json.dumps(EVENT)))
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "10"
    assert "retry" in answer.json()["error"]
    assert _sample(intake, "ipasn_intake_requests_total", status="503", system="siasn") == 1
    assert _sample(intake, "ipasn_intake_events_forwarded_total", system="siasn") == 0


def test_a_send_stuck_past_the_deadline_is_answered_at_the_deadline() -> None:
    publisher = Unacknowledging(hang=True)
    intake = _intake(publisher, ack_timeout_s=0.5)

    async def timed() -> tuple[httpx.Response, float]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = await _post(intake, json.dumps(EVENT))
        return answer, loop.time() - started

    try:
        answer, took = asyncio.run(timed())
    finally:
        publisher.release.set()
    assert answer.status_code == 503
    assert took < 3


def test_a_body_larger_than_one_mib_without_a_length_is_413_as_it_streams() -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        while sent < 10 * MAX_BODY_BYTES:
            sent += 65536
            yield b" " * 65536

    answer = asyncio.run(_post(_intake(FakePublisher([])), endless()))
    assert answer.status_code == 413
    assert sent < 10 * MAX_BODY_BYTES  # it stopped reading


def test_a_stalled_body_is_408() -> None:
    async def stalled() -> AsyncIterator[bytes]:
        yield b'{"specversion": '
        await asyncio.sleep(5)
        yield b'"1.0"}'

    intake = _intake(FakePublisher([]), read_idle_s=0.3)
    answer = asyncio.run(_post(intake, stalled()))
    assert answer.status_code == 408
    assert _sample(intake, "ipasn_intake_requests_total", status="408", system="unknown") == 1


def test_other_paths_and_methods_answer_in_json() -> None:
    intake = _intake(FakePublisher([]))
    assert asyncio.run(_request(intake, "GET", "/v1/other")).status_code == 404
    wrong = asyncio.run(_request(intake, "GET", "/v1/events"))
    assert (wrong.status_code, "error" in wrong.json()) == (405, True)
    assert wrong.headers["allow"] == "POST"


@pytest.mark.parametrize(("failure", "status"), [(None, 200), ("no answer (ConnectionError)", 503)])
def test_readyz_says_whether_the_broker_answers(failure: str | None, status: int) -> None:
    intake = Intake(
        FakePublisher([]),
        TOPIC,
        load_rules(None),
        SourceSecrets(),
        IntakeMetrics(),
        lambda: failure,
    )

    answer = asyncio.run(_request(intake, "GET", "/readyz"))
    assert answer.status_code == status
    assert answer.json()["checks"]["broker"]["ok"] is (failure is None)
