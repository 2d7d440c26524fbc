"""The `records` table: the reconciled state, one row per record that exists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import delete

from worker.db.store.dialects import Writes
from worker.db.tables import records
from worker.domain.model import Kind, Record, Resolution
from worker.pipeline.ports import RecordChanges

RECORD_COLUMNS = [c.name for c in records.columns]


def write(writes: Writes, changes: RecordChanges) -> None:
    """Employees rewritten whole: all their records deleted, then inserted; employees added:
    their records inserted; of the others the changed and gone records deleted, then the
    changed ones inserted."""
    rewritten = [r.nip for r in changes.rewritten]
    for condition, params in writes.text_lists(records.c.nip, rewritten):
        writes.conn.execute(delete(records).where(condition), params)
    replaced = changes.changed + changes.gone
    if replaced:
        writes.delete_records([(nip, r.kind, r.record_id or "") for nip, r in replaced])
    whole = (*changes.rewritten, *changes.added)
    rows = [_record_row(res.nip, r) for res in whole for r in res.every_record()]
    rows += [_record_row(nip, r) for nip, r in changes.changed]
    writes.insert_rows(records, RECORD_COLUMNS, rows)


def read(writes: Writes, nips: Sequence[str]) -> dict[str, Resolution]:
    """The stored records of each NIP that has any, as a resolution without its conflicts."""
    found: dict[str, list[Record]] = defaultdict(list)
    for nip, kind, record_id, values, source, event_id, time in writes.read_records(nips):
        record = Record(cast(Kind, kind), record_id or None, values, source, event_id, time)
        found[nip].append(record)
    return {nip: Resolution.of_records(nip, every) for nip, every in found.items()}


def _record_row(nip: str, r: Record) -> dict[str, Any]:
    return {
        "nip": nip,
        "kind": r.kind,
        "record_id": r.record_id or "",
        "values": dict(r.values),
        "source": r.source,
        "event_id": r.event_id,
        "time": r.time,
    }
