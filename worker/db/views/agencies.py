"""Read queries about agencies: each one's figures as the worker keeps them (contracts §10)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from worker.db.store.agencies import figures_of
from worker.db.tables import agency_aggregates
from worker.domain.agencies import AgencyKey, Figures


def figures(engine: Engine, year: int, rule_version: str) -> list[tuple[AgencyKey, Figures, int]]:
    """The agencies' figures of a year and rule version, in agency order; agencies left with
    no employee with an index are left out."""
    query = (
        select(agency_aggregates)
        .where(
            agency_aggregates.c.measurement_year == year,
            agency_aggregates.c.rule_version == rule_version,
            agency_aggregates.c.employees > 0,
        )
        .order_by(agency_aggregates.c.agency_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        ((r.agency_code, r.measurement_year, r.rule_version), figures_of(r._mapping), r.version)
        for r in rows
    ]
