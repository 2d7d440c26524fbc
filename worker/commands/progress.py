"""The progress bar of commands that go through many employees (recompute, plan)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn


@contextmanager
def employees_progress(total: Callable[[], int], shown: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar of employees on stderr where `shown` (a terminal); else nothing, and
    `total` (a count that may take a query) is not asked."""
    if not shown:
        yield lambda _: None
        return
    columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn())
    bar = Progress(
        *columns, TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True)
    )
    with bar:
        task = bar.add_task("employees", total=total())
        yield lambda n: bar.advance(task, n)
