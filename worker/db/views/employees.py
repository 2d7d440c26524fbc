"""Read queries about one employee and about employees in bulk: what `show` prints, the pages
of NIPs `recompute` walks through, and the pages of reconciled records `plan` walks through."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, func, select

from worker.db.store import records as stored_records
from worker.db.store.dialects import writes_for
from worker.db.tables import conflicts, employees, indexes, records, revisions, statements
from worker.domain import improvement
from worker.domain.model import Resolution
from worker.domain.rules import STEWARD, RuleSet


def _jsonable(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and type(value).__name__ == "Decimal":
            value = str(value)
        out[key] = value
    return out


def employee_view(
    engine: Engine, nip: str, year: int, rules: RuleSet, target_year: int | None = None
) -> dict[str, Any]:
    """What `show` prints: the records, the index of `year` under the rules and its revisions,
    the conflicts and overrides, and what raises the index for `target_year` (default
    year + 1; contracts §12)."""
    rule_version = rules.version
    with engine.connect() as conn:
        recs = conn.execute(
            select(records)
            .where(records.c.nip == nip)
            .order_by(records.c.kind, records.c.record_id)
        ).all()
        index = conn.execute(
            select(indexes).where(
                indexes.c.nip == nip,
                indexes.c.measurement_year == year,
                indexes.c.rule_version == rule_version,
            )
        ).first()
        history = conn.execute(
            select(revisions)
            .where(
                revisions.c.nip == nip,
                revisions.c.measurement_year == year,
                revisions.c.rule_version == rule_version,
            )
            .order_by(revisions.c.revision)
        ).all()
        found = conn.execute(
            select(conflicts).where(conflicts.c.nip == nip).order_by(conflicts.c.id)
        ).all()
        count = len(conn.execute(select(statements.c.id).where(statements.c.nip == nip)).all())
        steward = conn.execute(
            select(statements)
            .where(statements.c.nip == nip, statements.c.source == STEWARD)
            .order_by(statements.c.time, func.coalesce(statements.c.sequence, -1), statements.c.id)
        ).all()
        # Read as recompute and plan read them, so that the three agree.
        resolution = stored_records.read(writes_for(conn), [nip]).get(nip)
    raising = improvement.improvement(
        resolution or Resolution.nothing(nip), target_year or year + 1, rules
    )
    return {
        "nip": nip,
        "measurement_year": year,
        "rule_version": rule_version,
        "statements": count,
        "records": [_jsonable(r) for r in recs],
        "index": _jsonable(index) if index else None,
        "revisions": [_jsonable(r) for r in history],
        "conflicts": [_conflict(c) for c in found],
        "overrides": [_override(s) for s in steward],
        "improvement": json_numbers(improvement.as_data(raising)),
    }


def json_numbers(value: Any) -> Any:
    """The value with each Decimal a JSON number: an int where it is whole (65), else a float
    (62.5), which json writes in the fewest digits that read back as it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_numbers(v) for v in value]
    return value


def _conflict(row: Any) -> dict[str, Any]:
    # Every column, `rule` and `closed_reason` included, and whether it is still open.
    found = _jsonable(row)
    found["status"] = "open" if row.closed_at is None else "closed"
    return found


def _override(row: Any) -> dict[str, Any]:
    """A steward's statement: what it pinned (or released), who decided and why."""
    operation = "release" if row.released else "delete" if row.deleted else "upsert"
    return {
        "time": row.time.isoformat(),
        "kind": row.kind,
        "record_id": row.record_id,
        "operation": operation,
        "values": row.values,
        "actor": row.actor,
        "reason": row.reason,
        "event_id": row.event_id,
    }


def _page(agency: str | None, after: str, size: int) -> Select[tuple[str]]:
    """The next `size` NIPs after `after`: of every employee with a statement (each has a row
    in `employees`), or of those whose reconciled profile is of `agency`."""
    if agency is None:
        column = employees.c.nip
        query = select(column).where(column > after)
    else:
        column = records.c.nip
        query = select(column).where(_of_agency(agency), column > after)
    return query.order_by(column).limit(size)


def _of_agency(agency: str) -> ColumnElement[bool]:
    return and_(
        records.c.kind == "profile", records.c["values"]["agency_code"].as_string() == agency
    )


def nip_pages(engine: Engine, agency: str | None, size: int) -> Iterator[list[str]]:
    """Every employee's NIP (or every NIP of one agency's employees) in order, `size` at a time:
    keyset pages, each read in a short transaction of its own."""
    after = ""
    while True:
        with engine.connect() as conn:
            nips = [str(nip) for nip in conn.execute(_page(agency, after, size)).scalars()]
        if nips:
            yield nips
        if len(nips) < size:
            return
        after = nips[-1]


def count_nips(engine: Engine, agency: str | None) -> int:
    """How many NIPs nip_pages() yields."""
    if agency is None:
        query = select(func.count()).select_from(employees)
    else:
        query = select(func.count()).select_from(records).where(_of_agency(agency))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _with_profile(agency: str | None) -> ColumnElement[bool]:
    return records.c.kind == "profile" if agency is None else _of_agency(agency)


def reconciled_pages(engine: Engine, agency: str | None, size: int) -> Iterator[list[Resolution]]:
    """The reconciled records of every employee with a profile (only they can have an index),
    or of one agency's employees, `size` employees at a time in NIP order: keyset pages, each
    read in a short transaction of its own, the records read as recompute reads them."""
    after = ""
    while True:
        page = (
            select(records.c.nip)
            .where(_with_profile(agency), records.c.nip > after)
            .order_by(records.c.nip)
            .limit(size)
        )
        with engine.connect() as conn:
            nips = [str(nip) for nip in conn.execute(page).scalars()]
            found = stored_records.read(writes_for(conn), nips) if nips else {}
        if nips:
            yield [found[nip] for nip in nips if nip in found]
        if len(nips) < size:
            return
        after = nips[-1]


def count_with_profile(engine: Engine, agency: str | None) -> int:
    """How many employees reconciled_pages() yields."""
    query = select(func.count()).select_from(records).where(_with_profile(agency))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
