"""Data quality per source system and per regional agency, in the spirit of BKN's data-quality
index (what each source says, how soon, how often it wins): the queries that count it.

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
from typing import Any

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
from worker.domain.quality import Quality, SourceQuality
from worker.domain.rules import REGIONAL_PREFIX

log = logging.getLogger(__name__)
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
        .where(pairs.c.source.like(REGIONAL_PREFIX + "%"))
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
    quality = Quality.empty()
    with engine.connect() as conn:
        for row in conn.execute(completeness_query()):
            _completeness(quality.entry(row[0]), row)
        if timeliness:
            _ages(quality, conn)
        for winner, loser, n, n_open in conn.execute(conflicts_query()):
            for side, source in (("won", winner), ("lost", loser)):
                for entry in quality.entries(source):
                    entry.count_conflicts(side, int(n), int(n_open or 0))
    quality.agencies = dict(sorted(quality.agencies.items()))
    return quality


def _completeness(entry: SourceQuality, row: Any) -> None:
    employees, upserts, flags = row[1], row[2 : 2 + len(KINDS)], row[2 + len(KINDS) :]
    entry.employees = int(employees)
    entry.upserted = {k: int(n or 0) for k, n in zip(KINDS, upserts, strict=True)}
    entry.kinds_sent = {k for k, flag in zip(KINDS, flags, strict=True) if flag}


def _ages(quality: Quality, conn: Connection) -> None:
    for source, age, n in conn.execute(ages_query(conn.dialect.name)):
        for entry in quality.entries(source):
            entry.ages[int(age)] += int(n)
