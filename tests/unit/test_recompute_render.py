"""`ipasn-worker recompute` on a terminal: every table of its report reads whole at 80 columns,
up to the counts of the whole civil service."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console

from worker.commands.recompute.report import STATES, TOP_AGENCIES, Report, render
from worker.domain.comparison import AgencyShift


def _report(count: int) -> Report:
    """Every transition `count` employees; ten agencies whose means move a long way."""
    report = Report(2025, "example-2026", True, None, compared_with="bkn-8-2019")
    report.employees, report.new = count * len(STATES) ** 2, count
    for was in STATES:
        for now in STATES:
            report.transitions[(was, now)] = count
    for i in range(TOP_AGENCIES + 2):
        code = f"73{i:02d}"
        report.shifts[code] = AgencyShift(
            count, count, Decimal("57.25") * count, count, Decimal("100") * count, count, count
        )
    report.shifts["3201"] = AgencyShift(count, 0, Decimal(0), count, Decimal(70) * count, count, 1)
    return report


def _shown(report: Report) -> str:
    console = Console(width=80, record=True, color_system=None)
    render(report, console)
    return console.export_text()


def test_the_tables_read_whole_at_80_columns_up_to_millions_of_employees() -> None:
    for count in (1, 4_300_000):
        text = _shown(_report(count))

        assert all(len(line) <= 80 for line in text.splitlines()), text
        assert "…" not in text  # nothing cut short
        rows = [line.split() for line in text.splitlines()]
        shown = f"{count:,}"
        assert ["Tinggi", *[shown] * len(STATES)] in rows  # every count whole
        assert ["no", "index", *[shown] * len(STATES)] in rows
        # the headers whole: the bands a word a line, the agencies' columns
        for words in (["from", "\\", "to", "Tinggi", "Tinggi"], ["Sangat", "Sangat", "no"]):
            assert any(r[: len(words)] == words or r == words for r in rows), text
        assert ["agency", "employees", "changed", "changes", "before", "after", "change"] in rows
        assert ["7300", shown, shown, shown, "57.25", "100.00", "+42.75"] in rows
        assert "3201" not in text  # no mean to compare: below ten that moved


def test_an_agency_without_an_index_before_shows_a_dash_never_none() -> None:
    report = _report(3)
    report.shifts = {"3201": report.shifts["3201"]}

    rows = [line.split() for line in _shown(report).splitlines()]

    assert ["3201", "3", "3", "1", "-", "70.00", "-"] in rows
