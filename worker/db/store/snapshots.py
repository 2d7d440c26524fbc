"""The `reconciled` table: the version, digest and agency of each NIP's snapshot last published."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select

from worker.db.store import outbox
from worker.db.store.dialects import Writes
from worker.db.tables import reconciled
from worker.pipeline.ports import NewSnapshot


def versions(writes: Writes, nips: Iterable[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for condition, params in writes.text_lists(reconciled.c.nip, nips):
        query = select(reconciled.c.nip, reconciled.c.version, reconciled.c.digest)
        for nip, version, digest in writes.conn.execute(query.where(condition), params):
            found[nip] = (int(version), str(digest))
    return found


def agencies(writes: Writes, nips: Iterable[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for condition, params in writes.text_lists(reconciled.c.nip, nips):
        query = select(reconciled.c.nip, reconciled.c.agency_code)
        for nip, agency in writes.conn.execute(query.where(condition), params):
            found[nip] = agency
    return found


def save(writes: Writes, new: Sequence[NewSnapshot], now: datetime) -> None:
    """Each NIP's new snapshot version, then its outbox row."""
    if not new:
        return
    rows = [
        {
            "nip": n.nip,
            "version": n.version,
            "digest": n.digest,
            "changed_at": now,
            "agency_code": n.agency_code,
        }
        for n in new
    ]
    writes.upsert(reconciled, list(rows[0]), rows, ["nip"])
    outbox.add(writes, [n.event for n in new], now)
