"""The soak's stream: the demo sample for a fixed set of employees, then corrections forever.

The first pass is the demo sample (worker/dev/demo/sample/): every employee gets a profile,
mostly a position, and some history, from siasn, e-Kinerja and their SIMPEG. After it, each
message corrects one record the sample stated: the same source, record and kind, a new event id,
a later time (and the next sequence, for the sources that send one) and changed values (a
renamed unit or institution, other training hours, another appraisal). So the set of employees
and of records stays fixed, and only the statements about them pile up: what a worker keeps of
them should not.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from consumers.changes import decode
from schemas.events import Predicate
from schemas.rules import load_rules
from worker.dev.demo.sample import sample_events
from worker.dev.demo.sample.wire import SampleMessage, encode, rfc3339
from worker.domain.model import Statement

PREDICATES: tuple[str, ...] = get_args(Predicate)
SEED = 2025

Data = dict[str, Any]


def _variant(text: str, n: int) -> str:
    # One of a few spellings of the same text: values change, their sizes stay about the same.
    return f"{text} ({n % 4})" if n % 4 else text


def _profile(data: Data, n: int, rng: random.Random) -> Data:
    return {**data, "unit_code": _variant(data["unit_code"], n)}


def _position(data: Data, n: int, rng: random.Random) -> Data:
    return {**data, "position_name": _variant(data["position_name"], n)}


def _education(data: Data, n: int, rng: random.Random) -> Data:
    return {**data, "institution": _variant(data["institution"], n)}


def _training(data: Data, n: int, rng: random.Random) -> Data:
    return {**data, "name": _variant(data["name"], n), "hours": rng.randint(2, 60)}


def _performance(data: Data, n: int, rng: random.Random) -> Data:
    if data.get("predicate") is not None:
        return {**data, "predicate": rng.choice(PREDICATES)}
    return {**data, "score": rng.randint(50, 100)}


def _discipline(data: Data, n: int, rng: random.Random) -> Data:
    return {**data, "decree_number": _variant(data["decree_number"], n)}


CORRECT: dict[str, Callable[[Data, int, random.Random], Data]] = {
    "profile": _profile,
    "position": _position,
    "education": _education,
    "training": _training,
    "performance": _performance,
    "discipline": _discipline,
}


def _templates(first_pass: list[SampleMessage]) -> list[Data]:
    """The last upsert of each record the sample states, as each source sent it (an event the
    worker accepts: the malformed messages, unknown types and deletes are left out)."""
    rules = load_rules(None)
    last: dict[tuple[str, str, str, str | None], Data] = {}
    for m in first_pass:
        decoded = decode(m.key, m.value, rules)
        if isinstance(decoded, Statement):
            key = (decoded.nip, decoded.source, decoded.kind, decoded.record_id)
            last.pop(key, None)  # re-inserted: the order of first statement is kept
            if decoded.values is not None:
                last[key] = json.loads(m.value)
    return list(last.values())


def soak_stream(
    employees: int, seed: int = SEED
) -> tuple[list[SampleMessage], Iterator[SampleMessage]]:
    """The first pass (the demo sample for `employees` employees, in arrival order) and the
    endless corrections that follow it. The same arguments give the same messages."""
    first_pass = sample_events(employees, seed=seed)
    return first_pass, corrections(_templates(first_pass), seed)


def corrections(templates: list[Data], seed: int = SEED) -> Iterator[SampleMessage]:
    """Corrections of the templates' records in a random order, one second apart, all later
    than any template."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    start = max(datetime.fromisoformat(t["time"]) for t in templates) + timedelta(days=1)
    sequences: dict[tuple[str, str], int] = {}
    for t in templates:
        if t.get("sequence") is not None:
            key = (t["source"], t["subject"])
            sequences[key] = max(sequences.get(key, 0), t["sequence"])
    n = 0
    while True:
        n += 1
        template = rng.choice(templates)
        event = {**template, "id": f"{template['source']}-soak-{n:09d}"}
        event["time"] = rfc3339((start + timedelta(seconds=n)).astimezone(UTC))
        if template.get("sequence") is not None:
            key = (template["source"], template["subject"])
            sequences[key] += 1
            event["sequence"] = sequences[key]
        kind = template["type"].split(".")[1]
        event["data"] = CORRECT[kind](template["data"], n, rng)
        note = f"{template['source']} {kind} correction {n}"
        yield SampleMessage(template["subject"].encode(), encode(event), note)
