"""What fits on the terminal a table is printed to.

Every table a command prints reads whole at 80 columns; where a terminal is wider, a command may
print a wider layout of the same figures, if that layout fits whole.
"""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.measure import Measurement

UNBOUNDED = 10_000  # wider than any terminal: what a renderable would take, unsqueezed


def natural_width(renderable: RenderableType, console: Console) -> int:
    """The columns the renderable takes when nothing squeezes it."""
    options = console.options.update_width(UNBOUNDED)
    return Measurement.get(console, options, renderable).maximum


def fits(renderable: RenderableType, console: Console) -> bool:
    """True where the renderable prints whole on the console, without wrapping or folding."""
    return natural_width(renderable, console) <= console.width
