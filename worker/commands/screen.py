"""What fits on the terminal a table is printed to.

Every table a command prints reads whole at 80 columns; where a terminal is wider, a command may
print a wider layout of the same figures, if that layout fits whole. `Fitted` makes the choice
when printed: the whole table where it fits, else the same figures in narrower parts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table

UNBOUNDED = 10_000  # wider than any terminal: what a renderable would take, unsqueezed


def natural_width(renderable: RenderableType, console: Console) -> int:
    """The columns the renderable takes when nothing squeezes it."""
    options = console.options.update_width(UNBOUNDED)
    return Measurement.get(console, options, renderable).maximum


def fits(renderable: RenderableType, console: Console) -> bool:
    """True where the renderable prints whole on the console, without wrapping or folding."""
    return natural_width(renderable, console) <= console.width


Row = Sequence[RenderableType]


def figures_table(
    title: str | None, headers: Sequence[str], rows: Sequence[Row], *, keys: int = 1,
    caption: str | None = None,
) -> Table:  # fmt: skip
    """The first `keys` columns name a row (left, folded over lines where narrow); the others
    are figures (right-aligned, never wrapped nor cut: a header breaks only at its "\\n")."""
    table = Table(title=title, caption=caption, caption_justify="left")
    for i, header in enumerate(headers):
        if i < keys:
            table.add_column(header, overflow="fold")
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


class Fitted:
    """A table printed whole where it fits the terminal, else as its parts (each whole)."""

    def __init__(self, whole: Table, parts: Sequence[Table]) -> None:
        self.whole, self.parts = whole, parts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Table]:
        wide = options.update_width(UNBOUNDED)
        if Measurement.get(console, wide, self.whole).maximum <= options.max_width:
            yield self.whole
        else:
            yield from self.parts


def split_figures(
    title: str, headers: Sequence[str], rows: Sequence[Row], groups: Sequence[Sequence[int]],
    *, keys: int = 1, caption: str | None = None,
) -> Fitted:  # fmt: skip
    """A table of figures, whole where it fits, else a table for each group of its figure
    columns (indexes into `headers`), each beside the `keys` columns that name the rows; the
    title over the first, the caption under the last."""
    whole = figures_table(title, headers, rows, keys=keys, caption=caption)
    parts = []
    for n, group in enumerate(groups):
        picked = [*range(keys), *group]
        parts.append(
            figures_table(
                title if n == 0 else None,
                [headers[i] for i in picked],
                [[row[i] for i in picked] for row in rows],
                keys=keys,
                caption=caption if n == len(groups) - 1 else None,
            )
        )
    return Fitted(whole, parts)
