"""The performance issue's targets, each beside what this run measured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

MEMORY_TARGET_MIB = 200  # peak resident memory of a worker process


@dataclass(frozen=True)
class Target:
    what: str  # what is measured, and how
    target: str  # the target, in words
    measured: str  # this run's figure
    met: bool | None  # None: not measured in this run, or not comparable


def table(targets: Sequence[Target]) -> Table:
    found = Table(title="Targets of the performance issue, beside this run's figures")
    for column in ("what", "target", "this run", "met"):
        found.add_column(column, justify="left" if column in ("what", "target") else "right")
    for t in targets:
        met = "-" if t.met is None else "yes" if t.met else "[bold]no[/bold]"
        found.add_row(t.what, t.target, t.measured, met)
    return found
