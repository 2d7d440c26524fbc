"""What `ipasn-worker recompute` changed, or with --dry-run would change: the counts, the band
transitions and the agencies most affected, as rich tables or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from worker.domain.agencies import BANDS, Figures
from worker.domain.agencies import changes as agency_changes
from worker.domain.model import IndexResult
from worker.pipeline.service import Scored

NO_INDEX = "no index"
STATES = (*BANDS, NO_INDEX)  # the rows and columns of the transition table
TOP_AGENCIES = 10


def state_of(index: IndexResult | None) -> str:
    return index.band if index is not None and index.band is not None else NO_INDEX


@dataclass(slots=True)
class Report:
    """Built chunk by chunk: nothing per employee is kept, only counts."""

    measurement_year: int
    rule_version: str
    dry_run: bool
    agency: str | None
    # Each agency's figures before the run (agency code → figures), for the mean before/after.
    before: dict[str, Figures] = field(default_factory=dict)
    # Rescored from the reconciled records (the rules reconcile as those in use do), else
    # reconciled again from the statements.
    reconciled: bool = False
    employees: int = 0
    new: int = 0
    changed: int = 0
    withdrawn: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    affected: Counter[str] = field(default_factory=Counter)  # changed indexes per agency
    figures: dict[str, Figures] = field(default_factory=dict)  # the changes, per agency
    published: Counter[str] = field(default_factory=Counter)  # events sent, per topic
    seconds: float = 0.0

    def add(self, scored: Scored) -> None:
        self.employees += len(scored.indexes)
        self.transitions.update((state_of(was), state_of(now)) for was, now in scored.indexes)
        for revision in scored.revisions:
            was, now = revision.previous, revision.current.index
            if was is None or not was.has_index:
                self.new += 1
            elif now.has_index:
                self.changed += 1
            else:
                self.withdrawn += 1
            self.affected[now.agency_code or (was.agency_code if was else None) or "-"] += 1
        for (agency, _, _), change in agency_changes(scored.moves).items():
            self.figures[agency] = self.figures.get(agency, Figures()).plus(change)

    def merge(self, part: Report) -> None:
        """Add a part's counts (the chunks another process computed)."""
        self.employees += part.employees
        self.new, self.changed = self.new + part.new, self.changed + part.changed
        self.withdrawn += part.withdrawn
        self.transitions.update(part.transitions)
        self.affected.update(part.affected)
        self.published.update(part.published)
        for agency, change in part.figures.items():
            self.figures[agency] = self.figures.get(agency, Figures()).plus(change)

    @property
    def indexes_changed(self) -> int:
        return self.new + self.changed + self.withdrawn

    def agencies(self) -> list[tuple[str, int, Decimal | None, Decimal | None]]:
        """The agencies most affected: code, indexes changed, mean score before and after."""
        found = []
        for agency, count in sorted(self.affected.items(), key=lambda a: (-a[1], a[0])):
            before = self.before.get(agency, Figures())
            after = before.plus(self.figures.get(agency, Figures()))
            found.append((agency, count, before.mean_score, after.mean_score))
        return found[:TOP_AGENCIES]

    @property
    def source(self) -> str:
        if self.reconciled:
            return "rescored from their reconciled records (the rules reconcile as those in use)"
        return "reconciled again from their statements (the rules reconcile differently)"

    def summary(self) -> str:
        rate = self.employees / self.seconds if self.seconds else 0.0
        verb = "would change" if self.dry_run else "changed"
        sent = (
            "nothing written or published (dry run)"
            if self.dry_run
            else f"{sum(self.published.values()):,} events published"
        )
        return (
            f"recompute {self.measurement_year} under {self.rule_version}"
            f"{f' for agency {self.agency}' if self.agency else ''}: "
            f"{self.employees:,} employees in {self.seconds:.1f} s ({rate:,.0f}/s), "
            f"{self.source}; "
            f"indexes {verb}: {self.new:,} new, {self.changed:,} changed, "
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
            "transitions": [
                {"from": a, "to": b, "employees": self.transitions[(a, b)]}
                for a in STATES
                for b in STATES
                if self.transitions[(a, b)]
            ],
            "agencies": [
                {
                    "agency_code": agency,
                    "indexes_changed": count,
                    "mean_score_before": _number(before),
                    "mean_score_after": _number(after),
                }
                for agency, count, before, after in self.agencies()
            ],
            "published": dict(self.published),
            "seconds": round(self.seconds, 3),
        }


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def dumps(report: Report) -> str:
    return json.dumps(report.as_data(), ensure_ascii=False, indent=2)


def render(report: Report, console: Console) -> None:
    would = "would change" if report.dry_run else "changed"
    console.print(
        f"[bold]Recompute, measurement year {report.measurement_year}, rules "
        f"{report.rule_version}{f', agency {report.agency}' if report.agency else ''}"
        f"{' (dry run: nothing written)' if report.dry_run else ''}[/bold]"
    )
    console.print(
        f"employees computed {report.employees:,} ({report.source}); indexes that {would}: "
        f"{report.indexes_changed:,} ({report.new:,} new, {report.changed:,} changed, "
        f"{report.withdrawn:,} withdrawn)"
    )
    table = Table(title="Band transitions (rows: before, columns: after)")
    table.add_column("before \\ after")
    for state in STATES:
        table.add_column(state, justify="right")
    for before in STATES:
        counts = [report.transitions[(before, after)] for after in STATES]
        table.add_row(before, *(f"{n:,}" if n else "·" for n in counts))
    console.print(table)
    agencies = report.agencies()
    if not agencies:
        return
    top = Table(title=f"Agencies most affected (top {TOP_AGENCIES})")
    top.add_column("agency")
    top.add_column(f"indexes that {would}", justify="right")
    top.add_column("mean score before → after", justify="right")
    for agency, count, mean_before, mean_after in agencies:
        top.add_row(agency, f"{count:,}", f"{_shown(mean_before)} → {_shown(mean_after)}")
    console.print(top)


def _shown(mean: Decimal | None) -> str:
    return "-" if mean is None else str(mean)
