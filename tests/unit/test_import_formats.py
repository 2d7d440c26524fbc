"""`ipasn-worker import`: the same rows as XLSX and as CSV are the same events."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.progress import Progress

from schemas.rules import load_rules
from schemas.signature import SourceSecrets
from tests.unit.spreadsheets import write_csv, write_xlsx
from worker.commands.importing.importer import Job, check_rows

RULES = load_rules()
HEADER = ["nip", "record_id", "category", "name", "start_date", "end_date", "hours", "deleted"]
NIPS = ["198503152010012003", "199001012015031001", "197712312002122002"]
# Texts as people type them: letters of any script, digits, spaces, punctuation (a text that
# starts with "=" would be a formula in a spreadsheet, and is left out).
TEXT = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), min_size=1, max_size=30
).filter(lambda t: t.strip() and not t.startswith("="))
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))

Row = tuple[str, str, str, str, date, int, int | float, bool]
ROWS: st.SearchStrategy[list[Row]] = st.lists(
    st.tuples(
        st.sampled_from(NIPS),
        TEXT,
        st.sampled_from(["functional", "technical", "seminar"]),
        TEXT,
        DAYS,
        st.integers(0, 30),
        st.integers(0, 10000) | st.floats(0, 10000).map(lambda h: round(h, 2)),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda r: (r[0], r[1]),  # one row a record: no same_record refusals
)


def _messages(path: Path) -> list[tuple[object, ...]]:
    job = Job(path, "siasn", "training", "2025-01-15T00:00:00Z")
    with Progress(disable=True) as progress:
        _, valid, problems = check_rows(job, RULES, SourceSecrets(), progress)
    assert problems == [], problems
    return [(k, v, list(h)) for k, v, h in valid]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_the_same_rows_as_xlsx_and_csv_are_the_same_events(rows: list[Row]) -> None:
    cells = [
        [nip, record_id, category, name, start, start + timedelta(days=span), hours, deleted]
        for nip, record_id, category, name, start, span, hours, deleted in rows
    ]
    with TemporaryDirectory() as folder:
        as_xlsx = _messages(write_xlsx(Path(folder) / "t.xlsx", [HEADER, *cells]))
        as_csv = _messages(write_csv(Path(folder) / "t.csv", [HEADER, *cells]))

    assert as_xlsx == as_csv
    assert len(as_xlsx) == len(rows)
