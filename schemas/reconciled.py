"""Outbound: ``asn.personnel.reconciled`` (contracts §6), one employee's full snapshot.

Key = NIP and a full snapshot in each event, so that a regional or national system overwrites
its copy with the latest and the topic can be log-compacted by key. Frozen, extra fields
forbidden.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import itemgetter
from typing import Annotated, Any, Final, Literal

import orjson
from pydantic import AwareDatetime, Field

from schemas.recalculated import WORKER_SOURCE, Cause, CausedBy, Outbound, _Frozen
from worker.domain.model import HISTORY_KINDS, Record, Resolution

RECONCILED_TYPE: Final = "asn.personnel.reconciled"


class SnapshotRecord(_Frozen):
    record_id: str | None
    values: dict[str, Any]
    source: str
    event_id: str
    time: AwareDatetime


class Records(_Frozen):
    profile: SnapshotRecord | None
    position: SnapshotRecord | None
    education: list[SnapshotRecord]
    training: list[SnapshotRecord]
    performance: list[SnapshotRecord]
    discipline: list[SnapshotRecord]


class Side(_Frozen):
    source: str
    event_id: str
    values: dict[str, Any] | None  # None: that side deleted the record


class OpenConflict(_Frozen):
    kind: str
    record_id: str | None
    winner: Side
    loser: Side


class Snapshot(_Frozen):
    nip: str
    version: Annotated[int, Field(ge=1)]
    agency_code: str | None
    records: Records
    conflicts: list[OpenConflict]
    caused_by: list[CausedBy]
    left_agency: bool = Field(
        default=False,
        description="True only on an agency's own topic (contracts §15), in the last snapshot"
        " of an employee who moved to another agency (agency_code: the new one, null without"
        " one): records, conflicts and caused_by are empty.",
    )


class PersonnelReconciled(Outbound):
    type: Literal["asn.personnel.reconciled"] = RECONCILED_TYPE
    data: Snapshot


def _record(r: Record) -> SnapshotRecord:
    return SnapshotRecord(
        record_id=r.record_id,
        values=dict(r.values),
        source=r.source,
        event_id=r.event_id,
        time=r.time,
    )


def snapshot(resolution: Resolution, version: int, caused_by: Iterable[CausedBy]) -> Snapshot:
    """The snapshot of a reconciled state, as version `version`."""
    profile, position = resolution.profile, resolution.position
    history = {
        kind: [_record(r) for r in resolution.history.get(kind, ())] for kind in HISTORY_KINDS
    }
    return Snapshot(
        nip=resolution.nip,
        version=version,
        agency_code=str(profile.values.get("agency_code")) if profile else None,
        records=Records(
            profile=_record(profile) if profile else None,
            position=_record(position) if position else None,
            **history,
        ),
        conflicts=[
            OpenConflict(
                kind=c.kind,
                record_id=c.record_id,
                winner=Side(
                    source=c.winner_source,
                    event_id=c.winner_event_id,
                    values=None if c.winner_values is None else dict(c.winner_values),
                ),
                loser=Side(
                    source=c.loser_source,
                    event_id=c.loser_event_id,
                    values=None if c.loser_values is None else dict(c.loser_values),
                ),
            )
            for c in resolution.conflicts
        ],
        caused_by=list(caused_by),
    )


def reconciled_event(data: Snapshot, at: datetime) -> PersonnelReconciled:
    return PersonnelReconciled(
        id=f"{data.nip}:reconciled:{data.version}", subject=data.nip, time=at, data=data
    )


def _record_json(r: Record) -> dict[str, Any]:
    return {
        "record_id": r.record_id,
        "values": r.values,
        "source": r.source,
        "event_id": r.event_id,
        "time": r.time,
    }


def _side(source: str, event_id: str, values: Any) -> dict[str, Any]:
    return {"source": source, "event_id": event_id, "values": values}


def reconciled_payload(
    resolution: Resolution, version: int, caused_by: Iterable[Cause], at: datetime
) -> tuple[str, str]:
    """The event id and JSON of a snapshot: what `reconciled_event(snapshot(...))` serializes
    to (a test holds them equal), built without pydantic, as it is done for most events."""
    nip, profile, position = resolution.nip, resolution.profile, resolution.position
    records: dict[str, Any] = {
        "profile": _record_json(profile) if profile else None,
        "position": _record_json(position) if position else None,
    }
    for kind in HISTORY_KINDS:
        records[kind] = [_record_json(r) for r in resolution.history.get(kind, ())]
    event_id = f"{nip}:reconciled:{version}"
    event = _envelope(event_id, nip, at, {
        "nip": nip,
        "version": version,
        "agency_code": str(profile.values.get("agency_code")) if profile else None,
        "records": records,
        "conflicts": [
            {
                "kind": c.kind,
                "record_id": c.record_id,
                "winner": _side(c.winner_source, c.winner_event_id, c.winner_values),
                "loser": _side(c.loser_source, c.loser_event_id, c.loser_values),
            }
            for c in resolution.conflicts
        ],
        "caused_by": [{"source": source, "id": id_} for source, id_ in caused_by],
        "left_agency": False,
    })  # fmt: skip
    payload = orjson.dumps(event, option=orjson.OPT_UTC_Z, default=_mapping)
    return event_id, payload.decode()


def left_payload(nip: str, version: int, agency_code: str | None, at: datetime) -> tuple[str, str]:
    """The event id and JSON of the last snapshot an agency's own topic gets of an employee who
    moved to `agency_code` (contracts §15): that it left, nothing more (no records, conflicts
    or causes: those are the new agency's)."""
    event_id = f"{nip}:reconciled:{version}:left"
    empty = dict.fromkeys(("profile", "position")) | {k: [] for k in HISTORY_KINDS}
    event = _envelope(event_id, nip, at, {
        "nip": nip,
        "version": version,
        "agency_code": agency_code,
        "records": empty,
        "conflicts": [],
        "caused_by": [],
        "left_agency": True,
    })  # fmt: skip
    return event_id, orjson.dumps(event, option=orjson.OPT_UTC_Z).decode()


def _envelope(event_id: str, nip: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as a CloudEvent (structured mode)."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": WORKER_SOURCE,
        "type": RECONCILED_TYPE,
        "subject": nip,
        "time": at,
        "datacontenttype": "application/json",
        "data": data,
    }


def _mapping(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def digest(resolution: Resolution) -> str:
    """What a snapshot says that makes it a new version: each record, its values and the
    source it comes from (not which of that source's statements, nor the conflicts)."""
    # Sorted by kind, record id and source alone: no two records share all three, so the
    # values never decide the order, and no copy of them is made to compare (it stays the same
    # JSON, byte for byte, as every digest stored before: a new one would publish a snapshot
    # version of every employee again).
    said = [(r.kind, r.record_id or "", r.source, r.values) for r in resolution.every_record()]
    said.sort(key=_said_order)
    data = orjson.dumps(said, option=orjson.OPT_SORT_KEYS, default=_text)
    return hashlib.sha256(data).hexdigest()


_said_order = itemgetter(0, 1, 2)


def _text(value: object) -> object:
    """As `str`, for what JSON has no form of; a mapping other than a dict as a dict."""
    return dict(value) if isinstance(value, Mapping) else str(value)


NOTHING_DIGEST: Final = digest(Resolution.nothing("000000000000000000"))
