"""`ipasn-worker publish FILE`: a JSON-lines file of change events onto the input topic."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign
from worker.bootstrap import bootstrap
from worker.bootstrap.topics import require_topics
from worker.commands.arguments import kafka_flags
from worker.commands.sending import Outgoing, send_acknowledged
from worker.config.secrets import signing_secrets
from worker.config.settings import Settings
from worker.kafka import clients

DESCRIPTION = __doc__ or ""


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path)
    p.add_argument("--topic", help="default: the first of IPASN_INPUT_TOPICS")
    p.add_argument(
        "--sign",
        action="store_true",
        help="sign each line with its source's secret (IPASN_SOURCE_SECRETS_FILE)",
    )
    kafka_flags(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    topic = args.topic or settings.input_topics[0]
    secrets = signing_secrets(settings.source_secrets_file, "publish --sign") if args.sign else None
    return publish_file(args.file, topic, settings, Console(stderr=True), secrets)


def _event(line: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return event if isinstance(event, dict) else None


def key_of(line: bytes) -> bytes | None:
    """The event's subject (its NIP) as the key; None where the line has none to give."""
    subject = (_event(line) or {}).get("subject")
    return subject.encode() if isinstance(subject, str) else None


def _secret_of(line: bytes, secrets: SourceSecrets) -> bytes | str:
    """The secret of the line's source, or why there is none (one phrase, no secret)."""
    source = (_event(line) or {}).get("source")
    if not isinstance(source, str):
        return "no source to sign for (not a JSON object with a string source)"
    secret = secrets.secret(source)
    return secret if secret is not None else f"no secret for source {source[:60]!r}"


def _unsignable(path: Path, secrets: SourceSecrets) -> str | None:
    """The first line that cannot be signed, as one line of text; checked before any send, so
    that a file is never half published for want of a secret."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            line = raw.rstrip(b"\r\n")
            if line.strip() and isinstance(why := _secret_of(line, secrets), str):
                return f"{path} line {number}: {why}"
    return None


def publish_file(
    path: Path,
    topic: str,
    settings: Settings,
    console: Console,
    secrets: SourceSecrets | None = None,
) -> int:
    """Every non-blank line is sent as it is: the worker, not this tool, judges validity,
    and dead-letters what it cannot accept. The file is streamed, not read whole. With
    `secrets` (publish --sign), each line carries the `ipasn-signature` of its source's secret,
    and a line whose source has none stops the command before anything is sent (exit 2)."""
    if secrets is not None and (problem := _unsignable(path, secrets)):
        print(f"ipasn-worker: publish --sign: {problem}; nothing was published", file=sys.stderr)
        return 2
    keyless = 0

    def messages(lines: Iterable[bytes]) -> Iterator[Outgoing]:
        nonlocal keyless
        for raw in lines:
            line = raw.rstrip(b"\r\n")
            if line.strip():
                key = key_of(line)
                keyless += key is None
                yield key, line, _signature(line, secrets)

    require_topics(settings, only={topic})
    with (
        bootstrap(settings, producer=clients.PUBLISH) as app,
        path.open("rb") as lines,
        Progress(console=console, transient=True) as progress,
    ):
        task = progress.add_task(f"publishing to {topic}", total=path.stat().st_size)
        sent = send_acknowledged(
            app.publisher,
            topic,
            messages(lines),
            lambda _: progress.update(task, completed=lines.tell()),
        )
    console.print(
        f"published {sent} events to {topic}"
        + (" (signed)" if secrets is not None else "")
        + (f" ({keyless} without a subject: the worker will dead-letter them)" if keyless else "")
    )
    return 0


def _signature(line: bytes, secrets: SourceSecrets | None) -> list[tuple[str, bytes]]:
    if secrets is None:
        return []
    secret = _secret_of(line, secrets)
    if isinstance(secret, str):  # the file changed since it was checked: one line, exit 2
        raise OSError(f"publish --sign: the file changed while it was published: {secret}")
    return [(SIGNATURE_HEADER, sign(secret, line).encode())]
