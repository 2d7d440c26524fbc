"""How many employees hold a current index in each band, per agency, counted by the database."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from worker.db.tables import indexes

UNKNOWN = "unknown"  # an index whose record names no agency


def band_counts(engine: Engine, year: int, rule_version: str) -> dict[tuple[str, str], int]:
    """(agency, band) → employees, over the current indexes of the year and rule version."""
    query = (
        select(indexes.c.agency_code, indexes.c.band, func.count())
        .where(
            indexes.c.measurement_year == year,
            indexes.c.rule_version == rule_version,
            indexes.c.score.is_not(None),
        )
        .group_by(indexes.c.agency_code, indexes.c.band)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {(agency or UNKNOWN, band): int(n) for agency, band, n in rows if band}
