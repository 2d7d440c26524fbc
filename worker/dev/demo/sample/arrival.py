"""The order the messages arrive in: ids and sequences, delivery delays, the messages meant to
overtake another, exact duplicates re-sent by a producer, and the malformed ones mixed in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from worker.dev.demo.sample.malformed import malformed_messages
from worker.dev.demo.sample.stream import BOGOR, EKINERJA, LUWU, SIASN, Event, Stream
from worker.dev.demo.sample.wire import SampleMessage, message

_SEQUENCED = frozenset({BOGOR, EKINERJA})
# Delivery delay after the event time, in hours (regional systems publish in batches).
_DELAY_HOURS = {SIASN: (0.0, 2.0), EKINERJA: (0.0, 6.0), BOGOR: (0.5, 48.0), LUWU: (2.0, 240.0)}

# When a message arrives, then its place among those emitted: the sort key of the stream.
Timed = tuple[float, int, SampleMessage]


def in_arrival_order(
    stream: Stream, count: int, recipes: Iterable[Mapping[str, Any]]
) -> list[SampleMessage]:
    """Every event emitted, some exact duplicates and the malformed messages, as they arrive."""
    number(stream)
    arrive(stream)
    timed: list[Timed] = [(e.arrival, e.order, message(e)) for e in stream.events]
    timed += exact_duplicates(stream, count, order=len(timed))
    first, last = min(t[0] for t in timed), max(t[0] for t in timed)
    order = len(timed)
    for malformed in malformed_messages(stream, recipes):
        order += 1
        timed.append((stream.rng.uniform(first, last), order, malformed))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [m for *_, m in timed]


def number(stream: Stream) -> None:
    """Ids in event-time order per source; sequences per source and subject."""
    per_source: dict[str, list[Event]] = defaultdict(list)
    for event in stream.events:
        per_source[event.source].append(event)
    for source, events in per_source.items():
        events.sort(key=lambda e: (e.time, e.order))
        sequences: dict[str, int] = defaultdict(int)
        for event in events:
            event.event_id = stream.next_id(source)
            if source in _SEQUENCED:
                sequences[event.nip] += 1
                event.sequence = sequences[event.nip]


def arrive(stream: Stream) -> None:
    """Per source and subject in event-time order, each after a delivery delay; then the
    messages meant to overtake another."""
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in stream.events:
        groups[event.source, event.nip].append(event)
    for (source, _), events in groups.items():
        low, high = _DELAY_HOURS[source]
        previous = float("-inf")
        for event in sorted(events, key=lambda e: (e.time, e.order)):
            delay = stream.rng.uniform(low, high) * 3600
            event.arrival = max(previous + 1, event.time.timestamp() + delay)
            previous = event.arrival
    for event in stream.events:
        if event.arrive_before is not None:
            event.arrival = event.arrive_before.arrival - stream.rng.uniform(60, 6 * 3600)


def exact_duplicates(stream: Stream, count: int, *, order: int) -> list[Timed]:
    """One event in twenty re-sent as it was, up to two days after it first arrived."""
    duplicates: list[Timed] = []
    for original in stream.rng.sample(stream.events, max(1, count // 20)):
        order += 1
        note = f"exact duplicate of {original.event_id} (re-sent by the producer; counted once)"
        arrival = original.arrival + stream.rng.uniform(30, 2 * 86400)
        duplicates.append((arrival, order, message(original, note)))
    return duplicates
