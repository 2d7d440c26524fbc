"""Read queries about conflicts: the data stewards' queue (oldest first, filtered, paged) and
the demo's look at one conflict.

The database filters, orders and limits: open conflicts come off the partial index
`ix_conflicts_open` in order, and an employee's reconciled profile (for the agency) is joined
row by row on its primary key, so a page costs about its own size whatever the table holds.
Only an agency filter makes the count of what is left over join the profiles too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, func, or_, select

from worker.db.tables import conflicts, records


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    kind: str | None = None
    source: str | None = None  # an exact source, or "simpeg": any regional one
    closed: bool = False  # closed conflicts too


# The employee's reconciled profile, for the agency.
profile = records.alias("profile")


def _where(f: Filters) -> list[Any]:
    where: list[Any] = []
    if not f.closed:
        where.append(conflicts.c.closed_at.is_(None))
    if f.kind:
        where.append(conflicts.c.kind == f.kind)
    if f.source == "simpeg":
        sides = [
            conflicts.c.winner_source.like("simpeg:%"),
            conflicts.c.loser_source.like("simpeg:%"),
        ]
        where.append(or_(*sides))
    elif f.source:
        where.append(
            or_(conflicts.c.winner_source == f.source, conflicts.c.loser_source == f.source)
        )
    if f.agency:
        where.append(profile.c["values"]["agency_code"].as_string() == f.agency)
    return where


def _joined(query: Select[Any], *, outer: bool) -> Select[Any]:
    on = and_(
        profile.c.nip == conflicts.c.nip, profile.c.kind == "profile", profile.c.record_id == ""
    )
    return query.select_from(conflicts.join(profile, on, isouter=outer))


def page_query(f: Filters, limit: int | None) -> Select[Any]:
    query = select(conflicts, profile.c["values"].label("profile_values"))
    query = _joined(query, outer=not f.agency).where(*_where(f))
    query = query.order_by(conflicts.c.detected_at, conflicts.c.id)
    return query if limit is None else query.limit(limit)


def count_query(f: Filters) -> Select[Any]:
    query = select(func.count()).where(*_where(f))
    return _joined(query, outer=False) if f.agency else query.select_from(conflicts)


def conflict_json(row: Any) -> dict[str, Any]:
    """One conflict as --json prints it (`record_id` null for profile and position)."""
    agency = (row.profile_values or {}).get("agency_code")
    return {
        "id": row.id,
        "detected_at": _iso(row.detected_at),
        "nip": row.nip,
        "agency_code": agency,
        "kind": row.kind,
        "record_id": row.record_id or None,
        "winner": side(row, "winner"),
        "loser": side(row, "loser"),
        "rule": row.rule,
        "status": "open" if row.closed_at is None else "closed",
        "closed_at": _iso(row.closed_at),
        "closed_reason": row.closed_reason,
    }


def side(row: Any, which: str) -> dict[str, Any]:
    mapping = row._mapping
    return {
        "source": mapping[f"{which}_source"],
        "event_id": mapping[f"{which}_event_id"],
        "values": mapping[f"{which}_values"],
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def conflict_rows(engine: Engine, f: Filters, limit: int | None) -> Iterator[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=1000).execute(page_query(f, limit))
        for row in result:
            yield conflict_json(row)


def left_over(engine: Engine, f: Filters, shown: int, limit: int | None) -> int:
    if limit is None or shown < limit:
        return 0  # the page was not full: nothing more
    with engine.connect() as conn:
        # At least 0: conflicts may have closed since the page was read.
        return max(0, int(conn.execute(count_query(f)).scalar_one()) - shown)


def conflict_count(engine: Engine) -> int:
    """Every conflict recorded, open or closed."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(conflicts)).scalar_one())


def oldest_open_conflict(
    engine: Engine, kinds: tuple[str, ...], winner: str, loser_prefix: str
) -> Any:
    """The oldest open conflict of these kinds that `winner` won against a source starting with
    `loser_prefix` that said something (not a delete); None where there is none."""
    with engine.connect() as conn:
        return conn.execute(
            select(conflicts)
            .where(
                conflicts.c.closed_at.is_(None),
                conflicts.c.kind.in_(kinds),
                conflicts.c.winner_source == winner,
                conflicts.c.loser_source.like(loser_prefix + "%"),
                conflicts.c.loser_values.is_not(None),
            )
            .order_by(conflicts.c.id)
            .limit(1)
        ).first()


def conflict_and_record(engine: Engine, conflict_id: int) -> tuple[Any, Any]:
    """A conflict's row now, and the reconciled record it is about now (None where gone)."""
    with engine.connect() as conn:
        conflict = conn.execute(select(conflicts).where(conflicts.c.id == conflict_id)).one()
        record = conn.execute(
            select(records.c.source, records.c["values"]).where(
                records.c.nip == conflict.nip,
                records.c.kind == conflict.kind,
                records.c.record_id == conflict.record_id,
            )
        ).first()
    return conflict, record
