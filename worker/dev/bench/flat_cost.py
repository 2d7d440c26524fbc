"""Flat cost: the cost per event against employees already stored.

For each size, a fresh PostgreSQL database is seeded in bulk, server-side, with that many
employees already stored. Each gets ten statements (a profile, a position and eight history
rows, with values of realistic size), eight reconciled records and a current index. The worker
then processes the same stream (the demo sample, other employees) on each database: the cost
per event should not grow with what is stored, nor should the worker's resident memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from worker.db.engine import make_engine, migrate
from worker.dev.bench.runs import Run, workers
from worker.dev.bench.services import fresh_postgres

# Ten statements per seeded employee: kind and record id (profile and position have none).
SEED_ROWS = [("profile", None), ("position", None)] + [
    (kind, f"{kind}-{n}") for kind in ("education", "training", "performance", "discipline")
    for n in (1, 2)
]  # fmt: skip
VALUES = (
    '{"name": "Pegawai Contoh Bin Fulan", "birth_date": "1980-01-01", "gender": "M", '
    '"employee_type": "PNS", "status": "active", "agency_code": "3201", "unit_code": "U-01", '
    '"level": "S1", "institution": "Universitas Contoh Nusantara", "graduated_on": "2005-06-01"}'
)
# Synthetic NIPs of 18 digits that start with 9: never one of the sample's (19xx, 20xx).
NIP = "'9' || lpad(g::text, 17, '0')"


def seed(url: str, employees: int) -> float:
    """Seed `employees` employees; the seconds it took."""
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    started = time.monotonic()
    rows = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, " + (f"'{rid}'" if rid else "NULL") + " AS record_id"
        for kind, rid in SEED_ROWS
    )
    with create_engine(url).begin() as conn:
        conn.execute(
            text(
                f"""INSERT INTO statements (nip, source, event_id, kind, record_id, time,
                    deleted, "values", topic, partition, "offset", received_at)
                SELECT {NIP}, 'siasn', 'seed-' || g || '-' || r.kind || coalesce(r.record_id, ''),
                    r.kind, r.record_id, now(), false, CAST(:v AS json), 'seed', 0, g, now()
                FROM generate_series(1, :n) g, ({rows}) r"""  # noqa: S608 - our own constants
            ),
            {"n": employees, "v": VALUES},
        )
        conn.execute(
            text(
                f"""INSERT INTO records (nip, kind, record_id, "values", source, event_id, time)
                SELECT {NIP}, r.kind, coalesce(r.record_id, ''), CAST(:v AS json), 'siasn',
                    'seed-' || g || '-' || r.kind || coalesce(r.record_id, ''), now()
                FROM generate_series(1, :n) g, ({rows}) r"""  # noqa: S608
            ),
            {"n": employees, "v": VALUES},
        )
        conn.execute(
            text(
                f"""INSERT INTO indexes (nip, measurement_year, rule_version, revision, score,
                    band, qualification, competency, performance, discipline, agency_code,
                    computed_at)
                SELECT {NIP}, 2025, 'bkn-8-2019', 1, 75, 'Sedang', 15, 30, 25, 5, '3201', now()
                FROM generate_series(1, :n) g"""  # noqa: S608
            ),
            {"n": employees},
        )
        conn.execute(text("ANALYZE"))
    return time.monotonic() - started


@dataclass
class FlatCost:
    stored: int
    seeded_s: float
    run: Run

    @property
    def us_per_event(self) -> float:
        return 1e6 / self.run.rate if self.run.rate else 0.0


def measure(
    bootstrap: str, topic: str, stored: int, server: str, progress: Callable[[str], None]
) -> FlatCost:
    """Seed a fresh database with `stored` employees, then run one worker over `topic`."""
    url = fresh_postgres(server)
    if url is None:
        raise RuntimeError(f"PostgreSQL does not answer at {server}")
    progress(f"seeding {stored:,} stored employees")
    seeded = seed(url, stored)
    progress(f"the worker against {stored:,} stored employees")
    return FlatCost(stored, seeded, workers(f"{stored:,} stored", bootstrap, topic, url))
