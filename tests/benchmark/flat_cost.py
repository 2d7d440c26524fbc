"""Flat-cost benchmark: `python -m tests.benchmark.flat_cost [--stored 10000 1000000]`.

For each size, a fresh PostgreSQL database is seeded in bulk, server-side, with that many
employees already stored. Each gets ten statements (a profile, a position and eight history
rows, with values of realistic size), eight reconciled records and a current index. The worker
then processes the same stream (the demo sample for `--employees` other employees) on each
database. The table compares the cost per event, which should not grow with what is stored,
and the worker's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import time

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from tests.benchmark.services import add_broker_option, broker_for, fresh_postgres
from tests.benchmark.throughput import publish, worker
from worker.db.engine import make_engine, migrate

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--employees", type=int, default=3000, help="in the processed stream")
    add_broker_option(parser)
    args = parser.parse_args()
    console = Console()
    table = Table(title="Cost per event against employees already stored (PostgreSQL)")
    for column in ("stored", "seeded in", "events", "seconds", "events/s", "µs/event", "peak RSS"):
        table.add_column(column, justify="right")
    with broker_for(args) as broker:
        for stored in args.stored:
            url = fresh_postgres()
            if url is None:
                raise SystemExit("PostgreSQL does not answer at 127.0.0.1:5432")
            with console.status(f"seeding {stored:,} employees…"):
                seeded = seed(url, stored)
            topic = f"flat-{stored}"
            broker.create_topics({topic: 6})
            with console.status("publishing and processing the stream…"):
                publish(broker.bootstrap, topic, args.employees, 2025)
                result = worker(broker.bootstrap, topic, url, f"{stored:,} stored")
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            table.add_row(
                f"{stored:,}",
                f"{seeded:.0f} s",
                f"{result.messages:,}",
                f"{result.seconds:.2f}",
                f"{result.rate:,.0f}",
                f"{1e6 / result.rate:,.0f}" if result.rate else "-",
                f"{peak_mib:,.0f} MiB",
            )
    console.print(table)
    console.print(
        "peak RSS is this process's high-water mark so far (the worker runs in it); "
        "the second row can only show growth"
    )


if __name__ == "__main__":
    main()
