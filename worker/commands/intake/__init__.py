"""`ipasn-worker intake`: CloudEvents over HTTP into the input topic, for systems that do not
speak Kafka (contracts §13).

POST /v1/events with Content-Type application/cloudevents+json (one event) or
application/cloudevents-batch+json (a JSON array of at most 1,000 events and 1 MiB). Each event
is checked by the worker's own decoder; one invalid event refuses the request whole (422), and
the answer to a valid one, 202, comes once the broker acknowledged every event. GET /healthz,
/readyz (the broker answers) and /metrics on the same port. TLS with --certfile and --keyfile,
or behind a reverse proxy (README, "Sending events", HTTP; deploy/nginx/intake.conf).
"""

from __future__ import annotations

import argparse
import logging
from functools import partial
from pathlib import Path

from schemas.rules import load_rules
from worker.bootstrap import bootstrap
from worker.commands.arguments import kafka_flags
from worker.config.kafka import kafka_options
from worker.config.secrets import load_source_secrets
from worker.config.settings import Settings
from worker.kafka import clients
from worker.kafka.admin import missing_topics
from worker.kafka.errors import MissingTopics
from worker.observability.health import AnswerCheck
from worker.observability.intake import IntakeMetrics

DESCRIPTION = __doc__ or ""
log = logging.getLogger("ipasn_worker.intake")


def port(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 1 to 65535, not {port}")
    return port


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", dest="intake_port", type=port, help="default 8080 (IPASN_INTAKE_PORT)")
    p.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104 - senders, balancers and probes come from other hosts
        help="the address to listen on (default: every one)",
    )
    p.add_argument(
        "--certfile",
        dest="intake_tls_certfile",
        type=Path,
        help="serve HTTPS with this certificate chain, PEM (IPASN_INTAKE_TLS_CERTFILE)",
    )
    p.add_argument(
        "--keyfile",
        dest="intake_tls_keyfile",
        type=Path,
        help="and this private key, PEM (IPASN_INTAKE_TLS_KEYFILE)",
    )
    p.add_argument("--topic", help="where events go; default: the first of IPASN_INPUT_TOPICS")
    kafka_flags(p)


READY_WITHIN_MS = 2000  # /readyz answers within probes' usual timeouts


def _topic_there(topic: str, settings: Settings, timeout_ms: int = READY_WITHIN_MS) -> None:
    """Nothing where the broker answers and has the topic; else raises: at start the command
    stops in one line (never a 503 to every request for want of a topic), later /readyz
    answers 503."""
    missing = missing_topics(
        settings.kafka_bootstrap_servers,
        [topic],
        client_id=clients.INTAKE,
        security=kafka_options(settings),
        timeout_ms=timeout_ms,
    )
    if missing:
        raise MissingTopics(f"the topic {topic} is not on the broker: create it first")


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: Starlette and uvicorn are for this command alone.
    from worker.commands.intake.app import ACK_TIMEOUT_S, Intake, application
    from worker.commands.intake.server import Listen, serve

    secrets = load_source_secrets(
        settings.source_secrets_file, required=settings.require_signatures
    )
    rules = load_rules(settings.rules_file)
    topic = args.topic or settings.input_topics[0]
    listen = Listen(
        args.host, settings.intake_port, settings.intake_tls_certfile, settings.intake_tls_keyfile
    )
    _topic_there(topic, settings, timeout_ms=30_000)
    with bootstrap(
        settings, producer=clients.INTAKE, producer_deadline_s=ACK_TIMEOUT_S
    ) as adapters:
        intake = Intake(
            adapters.publisher,
            topic,
            rules,
            secrets,
            IntakeMetrics(),
            AnswerCheck(partial(_topic_there, topic, settings)),
        )
        scheme = "https" if listen.certfile else "http"
        log.info("intake on %s://%s:%d/v1/events, into %s", scheme, args.host, listen.port, topic)
        serve(application(intake), listen)
    return 0
