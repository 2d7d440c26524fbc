"""What `ipasn-worker dlq replay` sent, or would send: counts, DLQ offsets, a table or JSON.

Counts, topics, offsets and the DLQ's one-line details only; a key shows as a masked NIP.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemas import dead_letter
from worker.commands.screen import natural_width

SKIPPED = {
    "other_reason": "of reasons not selected",
    "replayed_before": "replayed before",
    "no_reason": "without a known reason header",
    "value_omitted": f"too large to have been kept ({dead_letter.VALUE_OMITTED})",
}
DETAIL_AT_LEAST = 33  # a detail's column and its rule: where a column each reads well


@dataclass
class Row:
    """The selected dead letters of one reason going to one topic."""

    messages: int = 0
    offsets: dict[int, list[int]] = field(default_factory=dict)  # partition → [first, last]


@dataclass
class Summary:
    dlq_topic: str
    reasons: list[str]
    dry_run: bool
    cursor_prefix: str
    end_offsets: dict[int, int] = field(default_factory=dict)
    cursors: dict[str, dict[int, int]] = field(default_factory=dict)  # reason → partition → next
    read: int = 0
    sent: int = 0  # acknowledged by the broker
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)  # by (reason, topic)
    skipped: Counter[str] = field(default_factory=Counter)
    redirected: int = 0  # the headers named no input topic: sent to the first input topic
    messages: list[dict[str, Any]] | None = None

    @property
    def selected(self) -> int:
        return sum(row.messages for row in self.rows.values())

    def count_by(self, part: int) -> dict[str, int]:
        """Messages per reason (part 0) or per topic (part 1)."""
        counts: Counter[str] = Counter()
        for pair, row in self.rows.items():
            counts[pair[part]] += row.messages
        return dict(sorted(counts.items()))

    def offsets(self) -> dict[int, list[int]]:
        """The DLQ offset range selected in each partition."""
        found: dict[int, list[int]] = {}
        for row in self.rows.values():
            for p, (first, last) in row.offsets.items():
                span = found.setdefault(p, [first, last])
                span[:] = [min(span[0], first), max(span[1], last)]
        return dict(sorted(found.items()))


def _by_partition(offsets: Mapping[int, int]) -> dict[str, int]:
    return {str(p): o for p, o in sorted(offsets.items())}


def _spans(offsets: Mapping[int, list[int]]) -> dict[str, dict[str, int]]:
    return {str(p): {"first": a, "last": b} for p, (a, b) in sorted(offsets.items())}


def as_json(s: Summary) -> dict[str, Any]:
    found: dict[str, Any] = {
        "dlq_topic": s.dlq_topic,
        "dry_run": s.dry_run,
        "reasons": s.reasons,
        "end_offsets": _by_partition(s.end_offsets),
        "read": s.read,
        "selected": s.selected,
        "sent": s.sent,
        "by_reason": s.count_by(0),
        "by_topic": s.count_by(1),
        "dlq_offsets": _spans(s.offsets()),
        "skipped": {k: s.skipped[k] for k in SKIPPED},
        "redirected": s.redirected,
        "cursor_groups": f"{s.cursor_prefix}.<reason>",
        "cursors": {r: _by_partition(s.cursors.get(r, {})) for r in s.reasons},
        "rows": [
            {
                "reason": reason,
                "to_topic": topic,
                "messages": row.messages,
                "dlq_offsets": _spans(row.offsets),
            }
            for (reason, topic), row in sorted(s.rows.items())
        ],
    }
    if s.messages is not None:
        found["messages"] = s.messages
    return found


def dumps(s: Summary) -> str:
    return json.dumps(as_json(s), indent=2)


def _text(offsets: Mapping[int, list[int]]) -> str:
    return ", ".join(
        f"{p}:{a}" if a == b else f"{p}:{a}-{b}" for p, (a, b) in sorted(offsets.items())
    )


def _positions(offsets: Mapping[int, int]) -> str:
    return ", ".join(f"{p}:{o}" for p, o in sorted(offsets.items())) or "none"


def render(s: Summary, console: Console) -> None:
    if s.rows:
        console.print(_table(s))
    else:
        console.print(f"nothing to replay from {s.dlq_topic}")
    skipped = ", ".join(f"{s.skipped[k]} {text}" for k, text in SKIPPED.items() if s.skipped[k])
    console.print(
        f"read {s.read} dead letters, {s.dlq_topic} from its beginning to its end offsets "
        f"{_positions(s.end_offsets)} (partition:offset); reasons selected: "
        f"{', '.join(s.reasons)}" + (f"; not sent: {skipped}" if skipped else ""),
        highlight=False,
    )
    if s.redirected:
        console.print(f"{s.redirected} did not name an input topic: sent to the first one")
    if s.dry_run:
        console.print("dry run: nothing sent, nothing remembered")
    elif s.sent:
        console.print(f"sent {s.sent}, every one acknowledged by the broker (acks=all)")
    else:
        console.print("nothing sent")
    cursors = "; ".join(f"{r} {_positions(s.cursors.get(r, {}))}" for r in s.reasons)
    console.print(
        f"replayed up to (consumer groups {s.cursor_prefix}.<reason>): {cursors}", highlight=False
    )
    if s.messages:
        console.print(_messages(s.messages, console))


def _table(s: Summary) -> Table:
    title = "would be replayed (dry run)" if s.dry_run else "replayed"
    table = Table(title=f"Dead letters {title}", title_justify="left")
    table.add_column("reason", no_wrap=True)  # one of dead_letter.REASONS: 14 at most
    table.add_column("to topic", overflow="fold")
    table.add_column("messages", justify="right", no_wrap=True)
    table.add_column("DLQ offsets (partition:offset)", overflow="fold")
    for (reason, topic), row in sorted(s.rows.items()):
        table.add_row(reason, topic, f"{row.messages:,}", _text(row.offsets))
    table.add_section()
    table.add_row("total", "", f"{s.selected:,}", _text(s.offsets()))
    return table


def _messages(messages: list[dict[str, Any]], console: Console) -> Table:
    """A column each where the detail keeps DETAIL_AT_LEAST columns, else stacked: offset and
    reason, topic and NIP, detail."""
    rows = [(f"{m['partition']}:{m['offset']}", m["reason"], m["to_topic"], m["nip"],
             Text(m["detail"])) for m in messages]  # fmt: skip
    if natural_width(_columns(rows, detail=False), console) + DETAIL_AT_LEAST <= console.width:
        return _columns(rows, detail=True)
    stacked = Table(title="Messages", title_justify="left")
    stacked.add_column("DLQ offset\nreason", no_wrap=True)
    stacked.add_column("to topic\nNIP", overflow="fold")
    stacked.add_column("detail", overflow="fold")
    for where, reason, topic, nip, detail in rows:
        stacked.add_row(f"{where}\n{reason}", f"{topic}\n{nip}", detail)
    return stacked


def _columns(rows: list[tuple[str, str, str, str, Text]], *, detail: bool) -> Table:
    table = Table(title="Messages", title_justify="left")
    for column in ("DLQ offset", "reason", "to topic", "NIP"):
        table.add_column(column, no_wrap=True)
    if detail:
        table.add_column("detail", overflow="fold")
    for row in rows:
        table.add_row(*(row if detail else row[:-1]))
    return table
