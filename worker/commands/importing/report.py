"""What an import found and did: each invalid row in a line, and a summary that reads whole at
80 columns. Row numbers and column names identify a bad row; no cell's value is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from worker.commands.importing.rows import ROW, Problem

ROWS_SHOWN = 6  # of each column and reason, in the summary


def problem_line(p: Problem) -> str:
    """`row 7, hours (F): invalid_event: not a number`"""
    where = f"row {p.row}" + (f", {p.column}" if p.column != ROW else "")
    return f"{where}: {p.reason}: {p.detail}"


@dataclass
class Summary:
    path: Path
    source: str
    kind: str
    sheet: str | None = None  # the worksheet read, where the workbook has several
    read: int = 0  # rows with at least one value
    valid: int = 0
    published: int = 0  # acknowledged by the broker
    # (column, reason, detail) → the rows it was found in
    problems: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)

    @property
    def invalid(self) -> int:
        return self.read - self.valid

    def add(self, problems: list[Problem]) -> None:
        for p in problems:
            column = p.column if p.column != ROW else "(the row)"
            rows = self.problems.setdefault((column, p.reason, p.detail), [])
            if not rows or rows[-1] != p.row:
                rows.append(p.row)


def _rows(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:ROWS_SHOWN])
    return shown + (f", … ({len(rows) - ROWS_SHOWN} more)" if len(rows) > ROWS_SHOWN else "")


def title(s: Summary) -> str:
    sheet = f" (its first sheet, {s.sheet!r})" if s.sheet else ""
    return f"Import of {s.path.name}{sheet}: {s.kind} from {s.source}"


def counts_table(s: Summary, dry_run: bool) -> Table:
    table = Table()
    table.add_column("rows", min_width=30)
    table.add_column("", justify="right", min_width=9)
    table.add_row("read (not blank)", str(s.read))
    table.add_row("valid", str(s.valid))
    table.add_row("invalid", str(s.invalid))
    table.add_row("published" + (" (dry run)" if dry_run else ""), str(s.published))
    return table


def problems_table(s: Summary) -> Table:
    table = Table(title="Invalid rows by column and reason", title_justify="left")
    table.add_column("column", overflow="fold")
    table.add_column("reason", ratio=1, overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("row numbers", max_width=24, overflow="fold")
    ordered = sorted(s.problems.items(), key=lambda item: (-len(item[1]), item[1][0]))
    for (column, reason, detail), rows in ordered:
        table.add_row(column, f"{reason}: {detail}", str(len(rows)), _rows(rows))
    return table


def render(s: Summary, console: Console, *, dry_run: bool) -> None:
    console.print(title(s), style="bold", markup=False, highlight=False)
    console.print(counts_table(s, dry_run))
    if s.problems:
        console.print(problems_table(s))
