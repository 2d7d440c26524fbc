"""The start of an entry point that writes topics: every topic it needs is on the broker, or it
refuses in one line naming the missing ones (contracts §14), never a loop stalled on them."""

from __future__ import annotations

from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.config.topics import Topic, missing_line, worker_topics
from worker.kafka import clients
from worker.kafka.admin import existing_topics
from worker.kafka.errors import MissingTopics


def require_topics(settings: Settings, *, reads: bool = True) -> None:
    """MissingTopics (exit 2) unless every topic `run` writes is there, and with `reads` every
    topic it reads too."""
    wanted: list[Topic] = [t for t in worker_topics(settings) if reads or not t.reads]
    existing = existing_topics(
        settings.kafka_bootstrap_servers,
        client_id=clients.WORKER,
        security=kafka_options(settings),
    )
    missing = [t for t in wanted if t.name not in existing]
    if missing:
        raise MissingTopics(missing_line(missing))
