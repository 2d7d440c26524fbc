"""Data quality per source system and per regional agency, in the spirit of BKN's data-quality
index (what each source says, how soon, how often it wins), and its `ipasn_source_*` gauges.

For each source (`siasn`, `ekinerja`, `steward`, each `simpeg:<agency>`, and `simpeg`, all the
regional systems together):

- **employees**: the employees it has sent any statement about;
- **completeness** per kind: the share of those employees of whom it has sent at least one
  upsert of the kind (an approximation of "its latest statement of the kind is an upsert": an
  employee whose record the source later deleted still counts). `kinds_sent` names the kinds it
  sent anything of, deletes included, so that 0 for a kind it never sends reads as such;
- **timeliness**: the event age on arrival (`received_at - time`), median and 95th percentile
  by nearest rank, over a histogram the database counts: ages rounded down to the second under
  a minute, to the minute under an hour, to 15 minutes under a day, to 6 hours under 30 days, to
  5 days under a year and to 30 days beyond (at most some 450 rows a source); an event stamped
  after its arrival (a source clock ahead) counts as age 0;
- **conflicts** won and lost: rows of the conflicts table naming it as the winner or the loser,
  open ones and all.

Grouped scans, the same queries on SQLite and PostgreSQL: statements twice (completeness, ages),
conflicts once; nothing per employee leaves the database.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Metric
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Select,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)

from worker.db.tables import conflicts, statements
from worker.domain.model import KINDS
from worker.observability.periodic import Periodic

log = logging.getLogger(__name__)
SYSTEMS = ("siasn", "ekinerja", "simpeg", "steward")
REGIONAL = "simpeg:"
DAY = 86_400
# (below this age in seconds, round down to a multiple of this many seconds)
AGE_STEPS = (
    (60, 1),
    (3600, 60),
    (DAY, 900),
    (30 * DAY, DAY // 4),
    (365 * DAY, 5 * DAY),
    (None, 30 * DAY),
)


@dataclass
class SourceQuality:
    source: str  # a system, or simpeg:<agency>
    employees: int = 0
    upserted: dict[str, int] = field(default_factory=dict)  # kind → employees with an upsert
    kinds_sent: set[str] = field(default_factory=set)
    ages: Counter[int] = field(default_factory=Counter)  # rounded age (s) → statements
    won: int = 0
    won_open: int = 0
    lost: int = 0
    lost_open: int = 0

    def completeness(self, kind: str) -> float | None:
        return self.upserted.get(kind, 0) / self.employees if self.employees else None

    def age(self, q: float) -> int | None:
        """The age (seconds) at quantile q, by nearest rank over the histogram."""
        total = sum(self.ages.values())
        if not total:
            return None
        rank, seen = max(1, math.ceil(q * total)), 0
        for age, n in sorted(self.ages.items()):
            seen += n
            if seen >= rank:
                return age
        raise AssertionError("unreachable: the ranks add up to the total")


@dataclass
class Quality:
    systems: dict[str, SourceQuality]
    agencies: dict[str, SourceQuality]  # simpeg:<agency> → its figures


def _kind_flag(kind: str) -> Any:
    # Per (source, employee): 2 at least one upsert of the kind, 1 only deletes, 0 nothing.
    sent = case((statements.c.deleted, 1), else_=2)
    return func.max(case((statements.c.kind == kind, sent), else_=0)).label(kind)


def _totals(name: Any, flags: Any) -> Select[Any]:
    upserts = [func.sum(case((flags.c[k] == 2, 1), else_=0)) for k in KINDS]
    return select(name, func.count(), *upserts, *(func.max(flags.c[k]) for k in KINDS))


def completeness_query() -> Any:
    pairs = (
        select(statements.c.source, statements.c.nip, *(_kind_flag(k) for k in KINDS))
        .group_by(statements.c.source, statements.c.nip)
        .cte("pairs")
    )
    regional = (
        select(pairs.c.nip, *(func.max(pairs.c[k]).label(k) for k in KINDS))
        .where(pairs.c.source.like(REGIONAL + "%"))
        .group_by(pairs.c.nip)
        .subquery("regional")
    )
    per_source = _totals(pairs.c.source, pairs).group_by(pairs.c.source)
    return union_all(per_source, _totals(literal("simpeg"), regional))


def _age_seconds(dialect: str) -> Any:
    received, sent = statements.c.received_at, statements.c.time
    if dialect == "sqlite":  # datetimes are text there: julianday() reads them
        seconds = (func.julianday(received) - func.julianday(sent)) * 86_400
    else:
        seconds = extract("epoch", received - sent)
    return cast(func.round(case((seconds < 0, 0), else_=seconds)), BigInteger)


def _rounded(age: Any) -> Any:
    whens = [(age < below, age // step * step) for below, step in AGE_STEPS if below]
    last = AGE_STEPS[-1][1]
    return case(*whens, else_=age // last * last)


def ages_query(dialect: str) -> Select[Any]:
    aged = select(statements.c.source, _age_seconds(dialect).label("age")).subquery("aged")
    bucket = _rounded(aged.c.age).label("bucket")
    return select(aged.c.source, bucket, func.count()).group_by(aged.c.source, bucket)


def conflicts_query() -> Select[Any]:
    # One scan: per pair of sources (a few hundred groups), each side counted in Python.
    sides = (conflicts.c.winner_source, conflicts.c.loser_source)
    open_ = func.sum(case((conflicts.c.closed_at.is_(None), 1), else_=0))
    return select(*sides, func.count(), open_).group_by(*sides)


def measure(engine: Engine, *, timeliness: bool = True) -> Quality:
    """Every figure, from the database now (timeliness=False leaves out the ages' scan)."""
    quality = Quality({s: SourceQuality(s) for s in SYSTEMS}, {})
    with engine.connect() as conn:
        for row in conn.execute(completeness_query()):
            _completeness(_entry(quality, row[0]), row)
        if timeliness:
            _ages(quality, conn)
        for winner, loser, n, n_open in conn.execute(conflicts_query()):
            for side, source in (("won", winner), ("lost", loser)):
                for entry in _entries(quality, source):
                    _count_conflicts(entry, side, int(n), int(n_open or 0))
    quality.agencies = dict(sorted(quality.agencies.items()))
    return quality


def _entry(quality: Quality, source: str) -> SourceQuality:
    """The figures of a source: a system's own row, or a regional agency's."""
    if source.startswith(REGIONAL):
        return quality.agencies.setdefault(source, SourceQuality(source))
    return quality.systems.setdefault(source, SourceQuality(source))


def _entries(quality: Quality, source: str) -> Iterable[SourceQuality]:
    """Where a statement or conflict of this source counts: its own row and its system's."""
    yield _entry(quality, source)
    if source.startswith(REGIONAL):
        yield quality.systems["simpeg"]


def _completeness(entry: SourceQuality, row: Any) -> None:
    employees, upserts, flags = row[1], row[2 : 2 + len(KINDS)], row[2 + len(KINDS) :]
    entry.employees = int(employees)
    entry.upserted = {k: int(n or 0) for k, n in zip(KINDS, upserts, strict=True)}
    entry.kinds_sent = {k for k, flag in zip(KINDS, flags, strict=True) if flag}


def _ages(quality: Quality, conn: Connection) -> None:
    for source, age, n in conn.execute(ages_query(conn.dialect.name)):
        for entry in _entries(quality, source):
            entry.ages[int(age)] += int(n)


def _count_conflicts(entry: SourceQuality, side: str, n: int, n_open: int) -> None:
    if side == "won":
        entry.won, entry.won_open = entry.won + n, entry.won_open + n_open
    else:
        entry.lost, entry.lost_open = entry.lost + n, entry.lost_open + n_open


def source_json(q: SourceQuality) -> dict[str, Any]:
    return {
        "source": q.source,
        "employees": q.employees,
        "completeness": {k: q.completeness(k) for k in KINDS},
        "employees_with_upsert": {k: q.upserted.get(k, 0) for k in KINDS},
        "kinds_sent": [k for k in KINDS if k in q.kinds_sent],
        "event_age_seconds": {
            "statements": sum(q.ages.values()),
            "median": q.age(0.5),
            "p95": q.age(0.95),
        },
        "conflicts": {
            "won": {"open": q.won_open, "all": q.won},
            "lost": {"open": q.lost_open, "all": q.lost},
        },
    }


def as_json(quality: Quality) -> dict[str, Any]:
    return {
        "systems": [source_json(q) for q in quality.systems.values()],
        "agencies": [
            {"agency_code": code.removeprefix(REGIONAL), **source_json(q)}
            for code, q in quality.agencies.items()
        ],
    }


def system_figures(quality: Quality) -> Mapping[str, SourceQuality]:
    """The four systems of the metrics' `system` label."""
    return {s: quality.systems[s] for s in SYSTEMS}


class QualityCensus(Periodic):
    """`ipasn_source_*` gauges: completeness, employees and conflicts per source system.

    Measured by the database every `every_s` seconds in a thread of its own (0: never), so a
    scrape never waits for it; the ages' scan is left out. Labels come from fixed sets: the
    four systems (all regional systems together as `simpeg`), the six kinds, won and lost.
    """

    what = "source quality"

    def __init__(self, engine: Engine, *, every_s: float = 300.0) -> None:
        super().__init__(every_s)
        self.engine = engine
        self._systems: Mapping[str, SourceQuality] = {}

    def refresh(self) -> None:
        self.measure()

    def measure(self) -> Mapping[str, SourceQuality]:
        """Measure now (also what the thread does every `every_s`)."""
        self._systems = system_figures(measure(self.engine, timeliness=False))
        return self._systems

    def collect(self) -> Iterable[Metric]:
        every = f"measured by the database every {self.every_s:.0f} s"
        completeness = GaugeMetricFamily(
            "ipasn_source_completeness_ratio",
            "Share of the employees a source system spoke of for whom it sent at least one "
            f"upsert of the kind (simpeg: all regional systems together); {every}.",
            labels=["system", "kind"],
        )
        employees = GaugeMetricFamily(
            "ipasn_source_employees",
            f"Employees a source system sent any statement about; {every}.",
            labels=["system"],
        )
        found = GaugeMetricFamily(
            "ipasn_source_conflicts",
            "Conflicts recorded (open and closed) that a source system won or lost; " + every,
            labels=["system", "side"],
        )
        for system, q in self._systems.items():
            employees.add_metric([system], q.employees)
            found.add_metric([system, "won"], q.won)
            found.add_metric([system, "lost"], q.lost)
            for kind in KINDS:
                ratio = q.completeness(kind)
                if ratio is not None:
                    completeness.add_metric([system, kind], ratio)
        yield completeness
        yield employees
        yield found
