"""The performance issue's targets, each beside what this run measured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

MEMORY_TARGET_MIB = 200  # peak resident memory of a worker process


@dataclass(frozen=True)
class Target:
    what: str  # what is measured, and how
    target: str  # the target, in words
    measured: str  # this run's figure
    met: bool | None  # None: not measured in this run, or not comparable


def table(targets: Sequence[Target]) -> Table:
    found = Table(title="Targets of the performance issue, beside this run's figures")
    found.add_column("what", overflow="fold")
    found.add_column("target", overflow="fold")
    found.add_column("this run", justify="right", overflow="fold")
    found.add_column("met", justify="right", no_wrap=True)
    for t in targets:
        met = "-" if t.met is None else "yes" if t.met else "[bold]no[/bold]"
        found.add_row(Text(t.what), Text(t.target), Text(t.measured), met)  # text, not markup
    return found
