"""The `agency_aggregates` table: each agency's figures, kept from index changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from worker.db.store.dialects import Writes
from worker.db.tables import BAND_COLUMNS, agency_aggregates
from worker.domain.agencies import BANDS, AgencyKey, Figures

# What a change adds to an agency's row: its figures, and one version.
_ADDING = ("employees", "score_sum", *BAND_COLUMNS, "version")


def figures_of(values: Mapping[Any, Any]) -> Figures:
    """The figures an `agency_aggregates` row holds (its columns by name)."""
    return Figures(
        employees=values["employees"],
        score_sum=values["score_sum"],
        bands={b: values[c] for b, c in zip(BANDS, BAND_COLUMNS, strict=True)},
    )


def add(
    writes: Writes, changes: Mapping[AgencyKey, Figures], now: datetime
) -> list[tuple[AgencyKey, Figures, int]]:
    """Add the changes to the agencies' figures; each one's new figures and version. The rows
    stay locked until the transaction ends, taken in agency order (Writes.add_up)."""
    items = sorted(changes.items())
    rows = [
        {"agency_code": a, "measurement_year": y, "rule_version": r, "employees": f.employees,
         "score_sum": f.score_sum,
         **{c: f.bands[b] for b, c in zip(BANDS, BAND_COLUMNS, strict=True)},
         "version": 1, "changed_at": now}
        for (a, y, r), f in items
    ]  # fmt: skip
    if not rows:
        return []
    now_rows = writes.add_up(agency_aggregates, rows, _ADDING)
    return [
        (key, figures_of(row), row["version"])
        for (key, _), row in zip(items, now_rows, strict=True)
    ]
