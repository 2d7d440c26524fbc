"""The `indexes` table (each NIP's current index) and `revisions` (every index it had)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from worker.db.store import outbox
from worker.db.store.dialects import Writes
from worker.db.tables import indexes, revisions
from worker.domain.model import DIMENSIONS, Dimensions, IndexResult, IndexRevision
from worker.pipeline.ports import NewRevision

INDEX_COLUMNS = [c.name for c in indexes.columns]
INDEX_KEY = ["nip", "measurement_year", "rule_version"]


def current(
    writes: Writes, nips: Iterable[str], year: int, rule_version: str
) -> dict[str, IndexRevision]:
    found: dict[str, IndexRevision] = {}
    for condition, params in writes.text_lists(indexes.c.nip, nips):
        query = select(indexes).where(
            condition,
            indexes.c.measurement_year == year,
            indexes.c.rule_version == rule_version,
        )
        found.update((row.nip, _index_of(row)) for row in writes.conn.execute(query, params))
    return found


def save_revisions(writes: Writes, new: Sequence[NewRevision], now: datetime) -> None:
    """The new current index, its revision and its outbox row, for each."""
    if not new:
        return
    rows = [_index_row(n.current) for n in new]
    history = [
        {
            **row,
            "previous_score": n.previous.score if n.previous else None,
            "previous_band": n.previous.band if n.previous else None,
            "caused_by": n.caused_by,
        }
        for row, n in zip(rows, new, strict=True)
    ]
    writes.upsert(indexes, INDEX_COLUMNS, rows, INDEX_KEY)
    writes.insert_rows(revisions, list(history[0]), history)
    # In order: the outbox ids, and so the relay, follow the revisions.
    outbox.add(writes, [n.event for n in new], now)


def move(writes: Writes, moved: Sequence[IndexResult]) -> None:
    """Current indexes whose agency alone changed: the agency, not a new revision."""
    if not moved:
        return
    stmt = (
        update(indexes)
        .where(
            indexes.c.nip == bindparam("b_nip"),
            indexes.c.measurement_year == bindparam("b_year"),
            indexes.c.rule_version == bindparam("b_rule_version"),
        )
        .values(agency_code=bindparam("b_agency_code"))
    )
    params = [
        {
            "b_nip": i.nip,
            "b_year": i.measurement_year,
            "b_rule_version": i.rule_version,
            "b_agency_code": i.agency_code,
        }
        for i in moved
    ]
    writes.conn.execute(stmt, params)


def _index_row(r: IndexRevision) -> dict[str, Any]:
    """The `indexes` row of a revision; its `revisions` row adds what it followed."""
    i = r.index
    return {
        "nip": i.nip,
        "measurement_year": i.measurement_year,
        "rule_version": i.rule_version,
        "revision": r.revision,
        "score": i.score,
        "band": i.band,
        **(i.dimensions.as_dict() if i.dimensions else dict.fromkeys(DIMENSIONS)),
        "agency_code": i.agency_code,
        "computed_at": r.computed_at,
    }


def _index_of(row: Any) -> IndexRevision:
    """The revision an `indexes` row holds."""
    dims = None if row.score is None else Dimensions(**{d: getattr(row, d) for d in DIMENSIONS})
    index = IndexResult(
        row.nip, row.measurement_year, row.rule_version, row.score, row.band, dims, row.agency_code
    )
    return IndexRevision(index, row.revision, row.computed_at)
