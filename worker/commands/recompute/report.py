"""What `ipasn-worker recompute` changed, or with --dry-run would change, as rich tables or as
JSON: the revisions written under the rules computed, and against the rules in use (the
current indexes of the year under the configured rule set, contracts §9) the counts changed,
unchanged, new and withdrawn, the band transitions and the agencies most affected."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from worker.domain.agencies import BANDS
from worker.domain.comparison import (
    NO_INDEX,
    OUTCOMES,
    AgencyShift,
    agency_of,
    most_affected,
    outcome,
    shift,
    state,
)
from worker.pipeline.service import Scored

STATES = (*BANDS, NO_INDEX)  # the rows and columns of the transition table
TOP_AGENCIES = 10
# The transition table's headers, a word a line, and one space between columns: seven columns
# of counts up to 9,999,999 whole on 80.
_HEADERS = {s: s.replace(" ", "\n") for s in STATES}
_COMPACT: dict[str, Any] = {
    "box": box.SIMPLE_HEAD,
    "padding": (0, 1),
    "collapse_padding": True,
    "pad_edge": False,
}


@dataclass(slots=True)
class Report:
    """Built chunk by chunk: nothing per employee is kept, only counts."""

    measurement_year: int
    rule_version: str
    dry_run: bool
    agency: str | None
    # Rescored from the reconciled records (the rules reconcile as those in use do), else
    # reconciled again from the statements.
    reconciled: bool = False
    # The rule version in use, whose current indexes the new ones are compared with (None:
    # this rule version's own).
    compared_with: str | None = None
    employees: int = 0
    # The revisions written (or with --dry-run that would be) under `rule_version`.
    new: int = 0
    changed: int = 0
    withdrawn: int = 0
    # Against the rules in use: outcomes, (from, to) band transitions, agencies.
    outcomes: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    shifts: dict[str, AgencyShift] = field(default_factory=dict)
    published: Counter[str] = field(default_factory=Counter)  # events sent, per topic
    seconds: float = 0.0

    def add(self, scored: Scored) -> None:
        self.employees += len(scored.indexes)
        for revision in scored.revisions:
            was, now = revision.previous, revision.current.index
            if was is None or not was.has_index:
                self.new += 1
            elif now.has_index:
                self.changed += 1
            else:
                self.withdrawn += 1
        for was, now in scored.compared:
            self.outcomes[outcome(was, now)] += 1
            self.transitions[(state(was), state(now))] += 1
            mine = shift(was, now)
            if mine.employees:
                code = agency_of(was, now)
                self.shifts[code] = self.shifts.get(code, AgencyShift()).plus(mine)

    def merge(self, part: Report) -> None:
        """Add a part's counts (the chunks another process computed)."""
        self.employees += part.employees
        self.new, self.changed = self.new + part.new, self.changed + part.changed
        self.withdrawn += part.withdrawn
        self.outcomes.update(part.outcomes)
        self.transitions.update(part.transitions)
        self.published.update(part.published)
        for code, mine in part.shifts.items():
            self.shifts[code] = self.shifts.get(code, AgencyShift()).plus(mine)

    @property
    def baseline(self) -> str:
        """The rule version the "from" side is under."""
        return self.compared_with or self.rule_version

    @property
    def indexes_changed(self) -> int:
        """Revisions written (or that would be) under `rule_version`."""
        return self.new + self.changed + self.withdrawn

    def agencies(self) -> list[tuple[str, AgencyShift]]:
        """The agencies most affected: the largest moves of the mean score first."""
        return most_affected(self.shifts, TOP_AGENCIES)

    @property
    def source(self) -> str:
        if self.reconciled:
            return "rescored from their reconciled records (the rules reconcile as those in use)"
        return "reconciled again from their statements (the rules reconcile differently)"

    def compared(self) -> str:
        o = self.outcomes
        return (
            f"{o['changed']:,} changed, {o['unchanged']:,} unchanged, {o['new']:,} new, "
            f"{o['withdrawn']:,} withdrawn"
        )

    def summary(self) -> str:
        rate = self.employees / self.seconds if self.seconds else 0.0
        verb = "that would be written" if self.dry_run else "written"
        sent = (
            "nothing written or published (dry run)"
            if self.dry_run
            else f"{sum(self.published.values()):,} events published"
        )
        return (
            f"recompute {self.measurement_year} under {self.rule_version}"
            f"{f' for agency {self.agency}' if self.agency else ''}: "
            f"{self.employees:,} employees in {self.seconds:.1f} s ({rate:,.0f}/s), "
            f"{self.source}; against {self.baseline}: {self.compared()}; "
            f"revisions {verb}: {self.new:,} new, {self.changed:,} changed, "
            f"{self.withdrawn:,} withdrawn; {sent}"
        )

    def as_data(self) -> dict[str, Any]:
        return {
            "measurement_year": self.measurement_year,
            "rule_version": self.rule_version,
            "agency": self.agency,
            "dry_run": self.dry_run,
            "computed_from": "reconciled records" if self.reconciled else "statements",
            "employees": self.employees,
            "indexes": {"new": self.new, "changed": self.changed, "withdrawn": self.withdrawn},
            "compared_with": {
                "rule_version": self.baseline,
                **{o: self.outcomes[o] for o in OUTCOMES},
            },
            "transitions": [
                {"from": a, "to": b, "employees": self.transitions[(a, b)]}
                for a in STATES
                for b in STATES
                if self.transitions[(a, b)]
            ],
            "agencies": [_agency_data(code, s) for code, s in self.agencies()],
            "published": dict(self.published),
            "seconds": round(self.seconds, 3),
        }


def _agency_data(code: str, s: AgencyShift) -> dict[str, Any]:
    return {
        "agency_code": code,
        "employees": s.employees,
        "indexes_changed": s.changed,
        "band_changes": s.band_changes,
        "mean_score_before": _number(s.mean_before),
        "mean_score_after": _number(s.mean_after),
        "mean_score_change": _number(s.mean_change),
    }


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def dumps(report: Report) -> str:
    return json.dumps(report.as_data(), ensure_ascii=False, indent=2)


def render(report: Report, console: Console) -> None:
    would = "would be written" if report.dry_run else "written"
    console.print(
        f"[bold]Recompute, measurement year {report.measurement_year}, rules "
        f"{report.rule_version}{f', agency {report.agency}' if report.agency else ''}"
        f"{' (dry run: nothing written)' if report.dry_run else ''}[/bold]"
    )
    console.print(f"employees computed {report.employees:,}, {report.source}")
    console.print(f"against {report.baseline} (the rules in use), indexes: {report.compared()}")
    console.print(
        f"revisions that {would} under {report.rule_version}: {report.indexes_changed:,} "
        f"({report.new:,} new, {report.changed:,} changed, {report.withdrawn:,} withdrawn)"
    )
    console.print(transitions_table(report))
    agencies = report.agencies()
    if agencies:
        console.print(agencies_table(report, agencies))


def transitions_table(report: Report) -> Table:
    """Rows: the band under the rules in use; columns: under the rules computed."""
    table = Table(
        title=f"Band transitions (rows: {report.baseline}, columns: {report.rule_version})",
        **_COMPACT,
    )
    table.add_column("from \\ to")
    for to in STATES:
        table.add_column(_HEADERS[to], justify="right")
    for was in STATES:
        counts = [report.transitions[(was, to)] for to in STATES]
        table.add_row(was, *(f"{n:,}" if n else "·" for n in counts))
    return table


def agencies_table(report: Report, agencies: list[tuple[str, AgencyShift]]) -> Table:
    table = Table(
        title=f"Agencies most affected (top {TOP_AGENCIES} by the change of the mean score, "
        f"{report.baseline} → {report.rule_version})",
        **_COMPACT,
    )
    table.add_column("agency")
    table.add_column("employees", justify="right")
    table.add_column("indexes\nchanged", justify="right")
    table.add_column("band\nchanges", justify="right")
    table.add_column("mean\nbefore", justify="right")
    table.add_column("mean\nafter", justify="right")
    table.add_column("mean\nchange", justify="right")
    for code, s in agencies:
        table.add_row(
            code,
            f"{s.employees:,}",
            f"{s.changed:,}",
            f"{s.band_changes:,}",
            _shown(s.mean_before),
            _shown(s.mean_after),
            _change(s.mean_change),
        )
    return table


def _shown(mean: Decimal | None) -> str:
    return "-" if mean is None else str(mean)


def _change(change: Decimal | None) -> str:
    return "-" if change is None else f"{change:+}"
