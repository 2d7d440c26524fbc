"""The start of an entry point that writes topics: every topic it needs is on the broker, or it
refuses in one line naming the missing ones (contracts §14), never a loop stalled on them."""

from __future__ import annotations

from collections.abc import Collection

from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.config.topics import Topic, missing_line, worker_topics
from worker.kafka import clients
from worker.kafka.admin import missing_topics
from worker.kafka.errors import MissingTopics


def require_topics(
    settings: Settings, *, reads: bool = True, only: Collection[str] | None = None
) -> None:
    """MissingTopics (exit 2) unless every topic `run` writes is there, with `reads` every
    topic it reads too; `only`: just these (a command that sends change events to the input
    topic, or to one its --topic names)."""
    known = worker_topics(settings)
    wanted = [t for t in known if (reads or not t.reads) and (only is None or t.name in only)]
    names = {t.name for t in known}
    wanted += [Topic(n, "--topic", "change events", False, 1) for n in only or () if n not in names]
    absent = missing_topics(
        settings.kafka_bootstrap_servers,
        [t.name for t in wanted],
        client_id=clients.WORKER,
        security=kafka_options(settings),
    )
    if absent:
        raise MissingTopics(missing_line([t for t in wanted if t.name in absent]))
