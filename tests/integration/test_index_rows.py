"""The rows the service leaves in `indexes`, `revisions` and `outbox`, and what `show` prints of
them, pinned for the stream of tests/unit/test_revisions.py, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, select

from tests.factories import BKN_8_2019, NIP
from tests.unit.test_revisions import PAYLOADS, batches
from worker.commands.show import render
from worker.db.engine import make_engine, migrate
from worker.db.store import SqlStore
from worker.db.tables import indexes, outbox, revisions
from worker.db.views.employees import employee_view
from worker.pipeline.service import IndexService

KEY = (NIP, 2025, "bkn-8-2019")
D = Decimal


def at(day: int) -> datetime:
    return datetime(2025, 6, day, 8, 0, tzinfo=UTC)


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            "indexes": [tuple(r) for r in conn.execute(select(indexes))],
            "revisions": [
                tuple(r) for r in conn.execute(select(revisions).order_by(revisions.c.revision))
            ],
            "outbox": [tuple(r) for r in conn.execute(select(outbox).order_by(outbox.c.id))],
        }


def _snapshot_records(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A snapshot's records as `show` lists them: by kind, then record id ("" for none)."""
    found = []
    for kind, held in data["records"].items():
        for r in held if isinstance(held, list) else [held] if held else []:
            found.append((kind, r["record_id"] or "", r["values"], r["source"], r["event_id"]))
    return sorted(found, key=lambda r: (r[0], r[1]))


def _causes(*ids: str) -> list[dict[str, str]]:
    return [{"source": "siasn", "id": i} for i in ids]


def _shown(
    revision: int, score: str | None, band: str | None, dims: tuple[str, ...] | None, agency: str
) -> dict[str, Any]:
    names = ("qualification", "competency", "performance", "discipline")
    return {
        "nip": NIP, "measurement_year": 2025, "rule_version": "bkn-8-2019",
        "revision": revision, "score": score, "band": band,
        **dict(zip(names, dims or (None,) * 4, strict=True)),
        "agency_code": agency, "computed_at": at({1: 1, 2: 2, 3: 4, 4: 5}[revision]).isoformat(),
    }  # fmt: skip


SHOWN_INDEX = """\
IP ASN 65 (Rendah): qualification 20, competency 15, performance 25, discipline 5; revision 4, \
agency 7317
                                          Revisions                                           
┏━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ revision ┃ score ┃ band          ┃ previous ┃ caused by                                    ┃
┡━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 1        │ 47.5  │ Sangat Rendah │ -        │ siasn/p-1, siasn/pos-1, siasn/e-1, siasn/t-1 │
│ 2        │ 72.5  │ Sedang        │ 47.5     │ siasn/k-1                                    │
│ 3        │ -     │ -             │ 72.5     │ siasn/pos-2                                  │
│ 4        │ 65    │ Rendah        │ -        │ siasn/pos-3                                  │
└──────────┴───────┴───────────────┴──────────┴──────────────────────────────────────────────┘
Raising the index: 25 (Sangat Rendah) projected for 2026 with no new action: qualification 20, \
competency 0; performance
0 (the appraisal of 2025) and discipline 5 are fixed for 2026.
                                  Options for 2026                                  
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ action              ┃ gain ┃ effort ┃ detail                                     ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ technical_training  │  +15 │ short  │ 20 JP of technical training ending in 2026 │
│ seminar             │  +10 │ short  │ a seminar ending in 2026                   │
│ functional_training │  +15 │ short  │ a functional training ending by 2026-12-31 │
│ education           │   +5 │ long   │ complete S3 by 2026-12-31 (now S2)         │
└─────────────────────┴──────┴────────┴────────────────────────────────────────────┘
To the next band: technical_training + seminar + functional_training (+40 → 65).
"""  # noqa: W291 (rich pads the title line)


def test_the_tables_and_show_hold_exactly_these_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    service = IndexService(SqlStore(engine), BKN_8_2019, 2025, "recalculated")
    for now, incoming in batches():
        service.apply(incoming, now)
    rows = _rows(engine)
    view = employee_view(engine, NIP, 2025, BKN_8_2019)
    printed = io.StringIO()
    render(view, Console(file=printed, width=120, color_system=None))
    engine.dispose()

    assert rows["indexes"] == [
        (*KEY, 4, D(65), "Rendah", D(20), D(15), D(25), D(5), "7317", at(5)),
    ]
    assert rows["revisions"] == [
        (*KEY, 1, D("47.5"), "Sangat Rendah", D(20), D("22.5"), D(0), D(5), "3201", at(1),
         None, None, _causes("p-1", "pos-1", "e-1", "t-1")),
        (*KEY, 2, D("72.5"), "Sedang", D(20), D("22.5"), D(25), D(5), "3201", at(2),
         D("47.5"), "Sangat Rendah", _causes("k-1")),
        (*KEY, 3, None, None, None, None, None, None, "7317", at(4),
         D("72.5"), "Sedang", _causes("pos-2")),
        (*KEY, 4, D(65), "Rendah", D(20), D(15), D(25), D(5), "7317", at(5),
         None, None, _causes("pos-3")),
    ]  # fmt: skip
    recalculated = [r for r in rows["outbox"] if r[2] == "recalculated"]
    assert [r[1:4] + r[5:] for r in recalculated] == [
        (f"{NIP}:2025:bkn-8-2019:{n}", "recalculated", NIP, at(day), None)
        for n, day in ((1, 1), (2, 2), (3, 4), (4, 5))
    ]
    assert [r[4] for r in recalculated] == PAYLOADS
    # Each batch changed a record, so each published a snapshot, after its revision if any.
    snapshots = [r for r in rows["outbox"] if r[2] == "asn.personnel.reconciled" and r[3] == NIP]
    assert [r[1] for r in snapshots] == [f"{NIP}:reconciled:{v}" for v in range(1, 6)]
    assert [r[0] for r in rows["outbox"]] == sorted(r[0] for r in rows["outbox"])
    last = json.loads(snapshots[-1][4])["data"]
    assert _snapshot_records(last) == [
        (r["kind"], r["record_id"], r["values"], r["source"], r["event_id"])
        for r in view["records"]
    ]  # the last snapshot says what `show` shows

    assert view["index"] == _shown(4, "65", "Rendah", ("20", "15", "25", "5"), "7317")
    assert view["revisions"] == [
        {**_shown(1, "47.5", "Sangat Rendah", ("20", "22.5", "0", "5"), "3201"),
         "previous_score": None, "previous_band": None,
         "caused_by": _causes("p-1", "pos-1", "e-1", "t-1")},
        {**_shown(2, "72.5", "Sedang", ("20", "22.5", "25", "5"), "3201"),
         "previous_score": "47.5", "previous_band": "Sangat Rendah", "caused_by": _causes("k-1")},
        {**_shown(3, None, None, None, "7317"),
         "previous_score": "72.5", "previous_band": "Sedang", "caused_by": _causes("pos-2")},
        {**_shown(4, "65", "Rendah", ("20", "15", "25", "5"), "7317"),
         "previous_score": None, "previous_band": None, "caused_by": _causes("pos-3")},
    ]  # fmt: skip
    # For 2026 (no appraisal of 2025, the 2025 JP no longer count): 20 + 0 + 0 + 5 = 25.
    assert view["improvement"] == {
        "year": 2026,
        "projected": {
            "score": 25, "band": "Sangat Rendah",
            "dimensions": {"qualification": 20, "competency": 0, "performance": 0,
                           "discipline": 5},
        },
        "options": [
            {"action": "technical_training", "dimension": "competency", "gain": 15,
             "effort": "short", "detail": "20 JP of technical training ending in 2026"},
            {"action": "seminar", "dimension": "competency", "gain": 10, "effort": "short",
             "detail": "a seminar ending in 2026"},
            {"action": "functional_training", "dimension": "competency", "gain": 15,
             "effort": "short", "detail": "a functional training ending by 2026-12-31"},
            {"action": "education", "dimension": "qualification", "gain": 5, "effort": "long",
             "detail": "complete S3 by 2026-12-31 (now S2)"},
        ],
        # Over 60 takes more than 35: the three short ones (40); with education instead of the
        # seminar, 35 is not above.
        "to_next_band": ["technical_training", "seminar", "functional_training"],
    }  # fmt: skip
    shown = printed.getvalue()
    assert shown[shown.index("IP ASN") :] == SHOWN_INDEX
