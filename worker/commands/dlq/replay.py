"""`ipasn-worker dlq replay`: dead letters back to the input topic they came from, after a fix."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from consumers.dead_letters import DeadLetter, DeadLetterTopic
from schemas import dead_letter
from schemas.dead_letter import REASONS
from worker.bootstrap import bootstrap
from worker.commands.arguments import kafka_flags
from worker.commands.dlq.summary import Row, Summary, dumps, render
from worker.config.kafka import kafka_options
from worker.config.settings import Settings
from worker.domain.nip import mask_nip
from worker.kafka import clients
from worker.kafka.errors import KafkaFailure
from worker.pipeline.ports import Publisher, TransientError

log = logging.getLogger("ipasn_worker")
FLUSH_EVERY = 1000  # sends acknowledged, and the cursors advanced, at least this often

DESCRIPTION = """\
Send dead letters back to the input topic they came from (their ipasn-dlq-topic header where
that is one of IPASN_INPUT_TOPICS, else the first of them), after the cause was fixed: the
original key, value and headers (an ipasn-signature among them) byte for byte, without the
ipasn-dlq-* headers, with the header ipasn-replayed-from: <dlq topic>:<partition>:<offset>.
The dead-letter topic is read from its beginning to the end offsets it has when the command
starts. A message counts as sent once the broker acknowledged it (idempotent producer,
acks=all).

Replaying twice sends nothing twice: per reason, the command remembers the DLQ offset it has
replayed up to, as the committed offsets of the consumer group
<IPASN_CONSUMER_GROUP>.dlq-replay.<reason>, advanced only after the sends before it were
acknowledged (never with --dry-run). A replayed message that is still invalid is dead-lettered
again as a new entry, which the next replay sends once. Should the command stop between a send
and its cursor advancing, a later replay sends that message again, which is harmless: the worker
stores each (source, id) once. To replay a reason again from the start:
kafka-consumer-groups.sh --reset-offsets --to-earliest --execute
  --group <IPASN_CONSUMER_GROUP>.dlq-replay.<reason> --topic <IPASN_DLQ_TOPIC>

Exit status: 0 done (also when there was nothing to replay), 1 a broker failure (what was
acknowledged stays remembered), 2 a bad argument, setting or missing topic."""


def reasons(text: str) -> list[str]:
    """`--reason`: one reason code or several, comma-separated."""
    given = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in given if r not in REASONS]
    if unknown or not given:
        raise argparse.ArgumentTypeError(
            f"unknown reason {', '.join(unknown) or repr(text)}; one of {', '.join(REASONS)}"
        )
    return given


def arguments(replay: argparse.ArgumentParser) -> None:
    replay.add_argument(
        "--reason",
        action="append",
        type=reasons,
        metavar="R",
        help=f"only this reason; repeatable or comma-separated ({', '.join(REASONS)}); "
        "default: every reason",
    )
    replay.add_argument(
        "--dry-run", action="store_true", help="send and remember nothing; show what would be sent"
    )
    replay.add_argument("--json", action="store_true", help="print a JSON summary")
    replay.add_argument(
        "--messages",
        action="store_true",
        help="also list each message: DLQ offset, reason, detail, masked NIP (no values)",
    )
    kafka_flags(replay)


class Replay:
    """Select, send and remember; `publisher` None is a dry run."""

    def __init__(
        self,
        letters: DeadLetterTopic,
        summary: Summary,
        input_topics: Sequence[str],
        publisher: Publisher | None,
    ) -> None:
        self.letters = letters
        self.summary = summary
        self.input_topics = input_topics
        self.publisher = publisher
        self.pending = 0
        self.upto: dict[int, int] = {}  # per partition: read up to here

    def run(self) -> None:
        s = self.summary
        for letter in self.letters.read(s.end_offsets):
            s.read += 1
            self.upto[letter.partition] = letter.offset + 1
            target = self.target(letter)
            if target is not None and self.publisher is not None:
                self.publisher.send(target, letter.key, letter.value, replay_headers(letter, s))
                self.pending += 1
                if self.pending >= FLUSH_EVERY:
                    self.acknowledge(self.publisher, self.upto)
        if self.publisher is not None:
            self.acknowledge(self.publisher, s.end_offsets)  # all below the ends was read

    def target(self, letter: DeadLetter) -> str | None:
        """The input topic to send this dead letter to, or None where it is not selected."""
        s = self.summary
        reason = letter.header(dead_letter.REASON)
        if reason not in REASONS:
            s.skipped["no_reason"] += 1
            return None
        if reason not in s.reasons:
            s.skipped["other_reason"] += 1
            return None
        if letter.offset < s.cursors[reason].get(letter.partition, 0):
            s.skipped["replayed_before"] += 1
            return None
        if letter.header(dead_letter.VALUE_OMITTED) is not None:
            # Too large to copy whole (producers/kafka_sink.py): there is nothing to send.
            s.skipped["value_omitted"] += 1
            return None
        named = letter.header(dead_letter.TOPIC)
        topic = named if named is not None and named in self.input_topics else self.input_topics[0]
        s.redirected += topic != named
        row = s.rows.setdefault((reason, topic), Row())
        row.messages += 1
        row.offsets.setdefault(letter.partition, [letter.offset, letter.offset])[1] = letter.offset
        if s.messages is not None:
            s.messages.append(message_view(letter, reason, topic))
        return topic

    def acknowledge(self, publisher: Publisher, upto: Mapping[int, int]) -> None:
        """Wait for every send so far, then advance the cursors past what was read."""
        publisher.flush()
        self.summary.sent += self.pending
        self.pending = 0
        note = f"ipasn-worker dlq replay {datetime.now(UTC).isoformat(timespec='seconds')}"
        for reason in self.summary.reasons:
            cursor = self.summary.cursors[reason]
            moved = {p: o for p, o in upto.items() if o > cursor.get(p, 0)}
            if moved:
                self.letters.advance(reason, moved, note)
                cursor.update(moved)


def replay_headers(letter: DeadLetter, s: Summary) -> list[tuple[str, bytes]]:
    """The message's own headers (the dead letter keeps them after its ipasn-dlq-* ones, so an
    `ipasn-signature` still verifies), and where it was replayed from; never the ipasn-dlq-*
    headers, which would describe a refusal that no longer holds."""
    kept = [
        (n, v)
        for n, v in letter.headers
        if not dead_letter.is_dead_letter_header(n) and n != dead_letter.REPLAYED_FROM
    ]
    origin = f"{s.dlq_topic}:{letter.partition}:{letter.offset}"
    return [*kept, (dead_letter.REPLAYED_FROM, origin.encode())]


def masked_key(key: bytes | None) -> str:
    """A NIP key masked; any other key only described, as it may hold anything."""
    if not key:
        return "(no key)"
    if re.fullmatch(rb"[0-9]{18}", key):
        return mask_nip(key.decode())
    return f"(not a NIP, {len(key)} bytes)"


def message_view(letter: DeadLetter, reason: str, topic: str) -> dict[str, Any]:
    return {
        "partition": letter.partition,
        "offset": letter.offset,
        "reason": reason,
        "detail": letter.header(dead_letter.DETAIL) or "",
        "to_topic": topic,
        "nip": masked_key(letter.key),
    }


def replay_dead_letters(
    args: argparse.Namespace,
    settings: Settings,
    console: Console,
    publisher: Publisher | None = None,
) -> int:
    """`ipasn-worker dlq replay`; 0 done, 1 a broker failure, 2 a topic missing. `publisher`
    replaces the Kafka producer (tests)."""
    given = {r for group in args.reason or [REASONS] for r in group}
    summary = Summary(
        settings.dlq_topic,
        [r for r in REASONS if r in given],
        args.dry_run,
        cursor_prefix=f"{settings.consumer_group}.dlq-replay",
        messages=[] if args.messages else None,
    )
    letters = DeadLetterTopic(
        settings.kafka_bootstrap_servers,
        settings.dlq_topic,
        summary.cursor_prefix,
        security=kafka_options(settings),
    )
    try:
        missing = _missing_topic(letters, settings)
        if missing:
            print(f"ipasn-worker: {missing}", file=sys.stderr)
            return 2
        summary.end_offsets = letters.end_offsets()
        summary.cursors = usable(letters.cursors(summary.reasons, summary.end_offsets), summary)
        producer = None if args.dry_run else clients.DLQ_REPLAY
        with bootstrap(settings, producer=producer, publisher=publisher) as app:
            sending = None if args.dry_run else app.publisher
            Replay(letters, summary, settings.input_topics, sending).run()
    except (KafkaFailure, TransientError) as e:
        print(failure(summary, e), file=sys.stderr)
        return 1
    finally:
        letters.close()
    if args.json:
        print(dumps(summary))
    else:
        render(summary, console)
    return 0


def _missing_topic(letters: DeadLetterTopic, settings: Settings) -> str | None:
    """The first topic the replay reads or writes that the broker does not have, as one line."""
    existing = letters.existing_topics()
    needed = [(settings.dlq_topic, "DLQ_TOPIC")]
    needed += [(t, "INPUT_TOPICS") for t in settings.input_topics]
    for topic, variable in needed:
        if topic not in existing:
            return f"no topic {topic} on the broker (IPASN_{variable})"
    return None


def usable(cursors: dict[str, dict[int, int]], summary: Summary) -> dict[str, dict[int, int]]:
    """Cursors past a partition's end belong to a topic since deleted and created again."""
    for reason, by_partition in cursors.items():
        for p, offset in list(by_partition.items()):
            if offset > summary.end_offsets.get(p, 0):
                log.warning(
                    "the replay cursor of %s is past the end of %s partition %d (was the topic "
                    "created again?): its dead letters are read from the beginning",
                    reason,
                    summary.dlq_topic,
                    p,
                )
                del by_partition[p]
    return cursors


def failure(summary: Summary, error: Exception) -> str:
    what = (
        f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        if str(error)
        else type(error).__name__
    )
    if summary.dry_run:
        return f"ipasn-worker: dlq replay stopped by a broker failure ({what}); nothing was sent"
    return (
        f"ipasn-worker: dlq replay stopped by a broker failure ({what}) after {summary.sent} "
        "sends were acknowledged; run it again to send the rest (the cursors never pass an "
        "unacknowledged send, and a message that arrives twice is stored once)"
    )
