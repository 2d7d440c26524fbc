"""The `agency_aggregates` table: each agency's figures, kept from index changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update

from worker.db.store.dialects import Writes, chunks
from worker.db.tables import BAND_COLUMNS, PointSums, agency_aggregates
from worker.domain.agencies import BANDS, AgencyKey, Figures

_KEY_COLUMNS = tuple_(
    agency_aggregates.c.agency_code,
    agency_aggregates.c.measurement_year,
    agency_aggregates.c.rule_version,
)


def figures_of(row: Any) -> Figures:
    """The figures an `agency_aggregates` row holds."""
    return Figures(
        employees=row.employees,
        score_sum=row.score_sum,
        bands={b: getattr(row, c) for b, c in zip(BANDS, BAND_COLUMNS, strict=True)},
    )


def add(
    writes: Writes, changes: Mapping[AgencyKey, Figures], now: datetime
) -> list[tuple[AgencyKey, Figures, int]]:
    """Add the changes to the agencies' figures; each one's new figures and version."""
    keys = sorted(changes)
    if not keys:
        return []
    # Rows for agencies seen the first time, then every row locked in agency order (two
    # transactions never wait for each other), read, added to and written back: in
    # Python, as SQLite keeps exact decimals as text.
    empty = [
        {"agency_code": a, "measurement_year": y, "rule_version": r, "employees": 0,
         "score_sum": Decimal(0), **dict.fromkeys(BAND_COLUMNS, 0), "version": 0,
         "changed_at": now}
        for a, y, r in keys
    ]  # fmt: skip
    writes.insert_missing(agency_aggregates, empty)
    held = _held(writes, keys)
    result = [
        (key, figures_of(held[key]).plus(changes[key]), held[key].version + 1) for key in keys
    ]
    _write(writes, result, now)
    return result


def _held(writes: Writes, keys: Sequence[AgencyKey]) -> dict[AgencyKey, Any]:
    """The agencies' rows, locked in agency order."""
    held: dict[AgencyKey, Any] = {}
    for part in chunks(keys):
        query = select(agency_aggregates).where(_KEY_COLUMNS.in_(part))
        query = writes.for_update(query.order_by(*agency_aggregates.primary_key.columns))
        held.update(
            ((r.agency_code, r.measurement_year, r.rule_version), r)
            for r in writes.conn.execute(query)
        )
    return held


def _write(writes: Writes, result: Sequence[tuple[AgencyKey, Figures, int]], now: datetime) -> None:
    stmt = (
        update(agency_aggregates)
        .where(
            agency_aggregates.c.agency_code == bindparam("b_agency_code"),
            agency_aggregates.c.measurement_year == bindparam("b_measurement_year"),
            agency_aggregates.c.rule_version == bindparam("b_rule_version"),
        )
        .values(
            employees=bindparam("b_employees"),
            score_sum=bindparam("b_score_sum", type_=PointSums()),
            version=bindparam("b_version"),
            changed_at=bindparam("b_changed_at"),
            **{c: bindparam(f"b_{c}") for c in BAND_COLUMNS},
        )
    )
    writes.conn.execute(
        stmt,
        [
            {
                "b_agency_code": a, "b_measurement_year": y, "b_rule_version": r,
                "b_employees": f.employees, "b_score_sum": f.score_sum, "b_version": v,
                "b_changed_at": now,
                **{f"b_{c}": f.bands[b] for b, c in zip(BANDS, BAND_COLUMNS, strict=True)},
            }
            for (a, y, r), f, v in result
        ],
    )  # fmt: skip
