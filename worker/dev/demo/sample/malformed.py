"""The messages the worker must dead-letter, made as data/malformed.toml says; each is noted
``malformed <reason>: ...`` with the reason the worker must give."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from worker.dev.demo.sample.records import profile_values
from worker.dev.demo.sample.stream import Employee, Event, Stream
from worker.dev.demo.sample.wire import SampleMessage, encode, envelope


def malformed_messages(stream: Stream, recipes: Iterable[Mapping[str, Any]]) -> list[SampleMessage]:
    """One message per recipe, in the recipes' order; "{day}" is the same day in all."""
    day = stream.random_day(stream.year, 2, 11)
    return [malformed_message(stream, recipe, day) for recipe in recipes]


def malformed_message(stream: Stream, recipe: Mapping[str, Any], day: date) -> SampleMessage:
    note = recipe["note"]
    if "copy_of" in recipe:
        return misdirected_copy(stream, recipe["copy_of"], note)
    who = recipe["employee"]
    emp = pick(stream, national=True) if who == "national" else pick(stream, who)
    if "text" in recipe:
        line = recipe["text"].format(nip=emp.nip, NAME=emp.name.upper())
        return SampleMessage(emp.nip.encode(), line.encode(), note)
    data = malformed_data(stream, recipe["data"], emp, day)
    broken = recipe.get("broken")
    copies = 2 if broken == "batch of two" else 1
    source, kind = recipe["source"], recipe["kind"]
    events = [new_envelope(stream, source, kind, emp, data) for _ in range(copies)]
    return spoiled(events, broken, note)


def pick(stream: Stream, agency: str | None = None, *, national: bool = False) -> Employee:
    """A random employee of the agency (any if None), one siasn knows if national."""
    pool = [
        e
        for e in stream.employees
        if (agency is None or e.agency == agency) and (e.in_siasn or not national)
    ]
    return stream.rng.choice(pool or stream.employees)


def new_envelope(
    stream: Stream, source: str, kind: str, emp: Employee, data: dict[str, Any]
) -> dict[str, Any]:
    """An upsert with an id of its own and a time in the measurement year."""
    day = stream.random_day(stream.year, 2, 11)
    event = Event(
        source, kind, False, emp.nip, stream.stamp(source, day), data, "", 0, stream.next_id(source)
    )
    return envelope(event)


def malformed_data(
    stream: Stream, written: str | Mapping[str, Any], emp: Employee, day: date
) -> dict[str, Any]:
    if isinstance(written, str):
        if written != "{profile}":
            raise ValueError(f"unknown data in malformed.toml: {written!r}")
        return profile_values(emp)
    return {name: filled(stream, value, emp, day) for name, value in written.items()}


def filled(stream: Stream, value: object, emp: Employee, day: date) -> object:
    """A data value of data/malformed.toml, its placeholder (if any) filled in."""
    own = re.fullmatch(r"\{own (\w+) row\}", value) if isinstance(value, str) else None
    if own:
        return stream.own_row(emp, own[1])
    if value == "{national row}":
        return stream.national_id()
    if value == "{day}":
        return day.isoformat()
    if value == "{N-1}":
        return stream.year - 1
    if isinstance(value, str) and value.startswith("{"):
        raise ValueError(f"unknown placeholder in malformed.toml: {value}")
    return value


def misdirected_copy(stream: Stream, source: str, note: str) -> SampleMessage:
    """An exact copy of a valid event, keyed by another employee's NIP: dead-lettered as it
    is, and a mere duplicate where the key is re-derived from the subject."""
    original = stream.rng.choice([e for e in stream.events if e.source == source])
    others = [e.nip for e in stream.employees if e.nip != original.nip] or ["199001012015011001"]
    return SampleMessage(
        stream.rng.choice(others).encode(),
        encode(envelope(original)),
        note.format(event_id=original.event_id),
    )


def spoiled(events: list[dict[str, Any]], broken: str | None, note: str) -> SampleMessage:
    """The events as one message, broken as data/malformed.toml says; keyed by the subject."""
    first = events[0]
    if broken == "birth month 13":
        nip = first["subject"]
        first["subject"] = f"{nip[:4]}13{nip[6:]}"
    elif broken == "time without offset":
        first["time"] = first["time"][:19]
    elif broken not in (None, "batch of two"):
        raise ValueError(f"unknown way to break an event in malformed.toml: {broken!r}")
    value = events if broken == "batch of two" else first
    return SampleMessage(first["subject"].encode(), encode(value), note)
