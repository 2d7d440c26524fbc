"""The demo's regional system that speaks HTTP: one SIMPEG's events go through
`ipasn-worker intake` (contracts §13), as a PHP or Java web application would send them,
instead of through a Kafka producer; the worker then reads them from the input topic as any."""

from __future__ import annotations

import http.client
import json
from collections.abc import Sequence

from rich.console import Console

from worker.config.settings import Settings
from worker.dev.demo.sample import SampleMessage, expected_reason
from worker.dev.intake import BATCH, batch_body, post, running_intake

BATCH_EVENTS = 1000


def _source(message: SampleMessage) -> str | None:
    try:
        source = json.loads(message.value).get("source")
    except (ValueError, AttributeError):
        return None
    return source if isinstance(source, str) else None


def split_regional(
    messages: Sequence[SampleMessage],
) -> tuple[str | None, list[SampleMessage], list[SampleMessage]]:
    """The first regional source, its valid messages (sent over HTTP), and every other message
    (published on Kafka, the malformed ones of that source too, for the dead-letter topic)."""
    source = next((s for m in messages if (s := _source(m) or "").startswith("simpeg:")), None)
    over_http = [m for m in messages if _source(m) == source and expected_reason(m) is None]
    chosen = {id(m) for m in over_http}
    return source, over_http, [m for m in messages if id(m) not in chosen]


def send_over_http(
    console: Console, settings: Settings, source: str, messages: Sequence[SampleMessage]
) -> None:
    env = {
        "IPASN_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "IPASN_INPUT_TOPICS": settings.input_topics[0],
        "IPASN_LOG_LEVEL": "WARNING",
    }
    values = [m.value for m in messages]
    with running_intake(env, "--host", "127.0.0.1") as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        accepted = 0
        for start in range(0, len(values), BATCH_EVENTS):
            status, body = post(connection, batch_body(values[start : start + BATCH_EVENTS]), BATCH)
            if status != 202:
                raise RuntimeError(f"the intake answered {status}: {body.decode()[:300]}")
            accepted += json.loads(body)["accepted"]
        # What a sender sees of a mistake: its event's place, id and the dead-letter reason.
        wrong = json.loads(values[0])
        wrong["subject"] = wrong["subject"][:-1]
        status, refusal = post(connection, batch_body([json.dumps(wrong).encode()]), BATCH)
        connection.close()
    console.print(
        f"sent {accepted} events of {source} through the HTTP intake (POST /v1/events on "
        f"port {port}, {BATCH}): 202, each acknowledged by the broker; a batch with a "
        f"NIP cut short: {status} {refusal.decode()}"
    )
