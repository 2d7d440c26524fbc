"""`ipasn-worker publish FILE`: a JSON-lines file of change events onto the input topic."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from producers.kafka_sink import KafkaPublisher

FLUSH_EVERY = 5000


def key_of(line: bytes) -> bytes | None:
    """The event's subject (its NIP) as the key; None where the line has none to give."""
    try:
        event = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    subject = event.get("subject") if isinstance(event, dict) else None
    return subject.encode() if isinstance(subject, str) else None


def publish_file(path: Path, topic: str, bootstrap_servers: str, console: Console) -> int:
    """Every non-blank line is sent as it is: the worker, not this tool, judges validity,
    and dead-letters what it cannot accept. The file is streamed, not read whole."""
    publisher = KafkaPublisher(bootstrap_servers, client_id="ipasn-publish")
    sent = keyless = 0
    try:
        with path.open("rb") as lines, Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"publishing to {topic}", total=path.stat().st_size)
            for raw in lines:
                line = raw.rstrip(b"\r\n")
                if not line.strip():
                    continue
                key = key_of(line)
                keyless += key is None
                publisher.send(topic, key, line)
                sent += 1
                if sent % FLUSH_EVERY == 0:
                    publisher.flush()
                    progress.update(task, completed=lines.tell())
            publisher.flush()
    finally:
        publisher.close()
    console.print(
        f"published {sent} events to {topic}"
        + (f" ({keyless} without a subject: the worker will dead-letter them)" if keyless else "")
    )
    return 0
