"""The demo sample as the worker reads it, for the tests of its stories: each valid message
with its place in arrival order and its statement, and ways to find a story's messages by
their notes (a note says what its message is for)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from consumers.changes import decode
from worker.dev.demo.sample import SampleMessage
from worker.domain.index import score
from worker.domain.model import IndexResult, Statement, Values
from worker.domain.reconcile import latest_per_source, resolve
from worker.domain.rules import RuleSet

YEAR = 2025
LUWU, BOGOR = "simpeg:7317", "simpeg:3201"


@dataclass(frozen=True, slots=True)
class Told:
    """A valid message of the sample: its place in arrival order, the message, its statement."""

    arrived: int
    message: SampleMessage
    statement: Statement

    @property
    def note(self) -> str:
        return self.message.note


def told_in(messages: Iterable[SampleMessage], rules: RuleSet) -> list[Told]:
    """The valid messages, decoded, in arrival order (malformed ones left out)."""
    decoded = ((n, m, decode(m.key, m.value, rules)) for n, m in enumerate(messages))
    return [Told(n, m, s) for n, m, s in decoded if isinstance(s, Statement)]


def by_nip(told: Iterable[Told]) -> dict[str, list[Statement]]:
    """Every statement about each employee, in arrival order."""
    about: dict[str, list[Statement]] = defaultdict(list)
    for t in told:
        about[t.statement.nip].append(t.statement)
    return about


def originals(told: list[Told]) -> list[Told]:
    """The messages as first sent: exact duplicates left out."""
    return [t for t in told if not t.note.startswith("exact duplicate")]


def story(told: list[Told], words: str) -> list[Told]:
    """The messages whose note says words (exact duplicates left out)."""
    return [t for t in originals(told) if words in t.note]


def same_record(told: list[Told], t: Told) -> list[Told]:
    """The other messages from t's source about t's record (exact duplicates left out)."""
    s = t.statement
    return [
        o
        for o in originals(told)
        if (o.statement.nip, o.statement.source, o.statement.key) == (s.nip, s.source, s.key)
        and o != t
    ]


def latest(found: Iterable[Statement], s: Statement) -> dict[str, Statement]:
    """Each source's latest statement about the record s is about."""
    return {latest.source: latest for latest in latest_per_source(found)[s.key]}


def in_capitals(values: Values | None) -> dict[str, object] | None:
    """The values with every text in capitals: how a SIMPEG sometimes writes a record."""
    if values is None:
        return None
    return {k: v.upper() if isinstance(v, str) else v for k, v in values.items()}


def index_of(nip: str, statements: Iterable[Statement], rules: RuleSet) -> IndexResult:
    return score(resolve(nip, statements, rules), YEAR, rules)
