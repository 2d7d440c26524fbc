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
from worker.pipeline.ports import NewRevision, PastRevision

INDEX_COLUMNS = [c.name for c in indexes.columns]
INDEX_KEY = ["nip", "measurement_year", "rule_version"]
_CURRENT = (
    indexes.c.nip,
    indexes.c.revision,
    indexes.c.score,
    indexes.c.band,
    *(indexes.c[d] for d in DIMENSIONS),
    indexes.c.agency_code,
    indexes.c.computed_at,
)


def current(
    writes: Writes, nips: Iterable[str], year: int, rule_version: str
) -> dict[str, IndexRevision]:
    found: dict[str, IndexRevision] = {}
    for condition, params in writes.text_lists(indexes.c.nip, nips):
        query = select(*_CURRENT).where(
            condition,
            indexes.c.measurement_year == year,
            indexes.c.rule_version == rule_version,
        )
        # Unpacked by position: a batch reads thousands, and a row's attributes by name and a
        # dict of the dimensions cost more than the rest of it.
        for nip, revision, score, band, q, c, p, d, agency, at in writes.conn.execute(
            query, params
        ):
            dims = None if score is None else Dimensions(q, c, p, d)
            index = IndexResult(nip, year, rule_version, score, band, dims, agency)
            found[nip] = IndexRevision(index, revision, at)
    return found


def latest(
    writes: Writes, nips: Iterable[str], year: int, rule_version: str
) -> dict[str, PastRevision]:
    """Each NIP's revision of its current index, as saved."""
    found: dict[str, PastRevision] = {}
    r = revisions.c
    joined = revisions.join(
        indexes,
        (indexes.c.nip == r.nip)
        & (indexes.c.measurement_year == r.measurement_year)
        & (indexes.c.rule_version == r.rule_version)
        & (indexes.c.revision == r.revision),
    )
    columns = (r.nip, r.revision, r.score, r.band, *(r[d] for d in DIMENSIONS), r.agency_code)
    for condition, params in writes.text_lists(r.nip, nips):
        query = (
            select(*columns, r.computed_at, r.previous_score, r.previous_band, r.caused_by)
            .select_from(joined)
            .where(condition, r.measurement_year == year, r.rule_version == rule_version)
        )
        for row in writes.conn.execute(query, params):
            nip, revision, score, band, q, c, p, d, agency, at, was, was_band, caused = row
            dims = None if score is None else Dimensions(q, c, p, d)
            index = IndexResult(nip, year, rule_version, score, band, dims, agency)
            previous = (
                None
                if revision == 1
                else IndexResult(nip, year, rule_version, was, was_band, None, agency)
            )
            causes = [(str(x["source"]), str(x["id"])) for x in caused]
            found[nip] = PastRevision(IndexRevision(index, revision, at), previous, causes)
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
