"""A spreadsheet row as one change event, checked by the worker's own decoder.

Each row becomes the CloudEvent the worker reads (contracts §1): `subject` the NIP, `data` the
row's cells, type `asn.<kind>.deleted` where `deleted` says so. Its `id` is derived from the
source, the kind and the row's content (its values as the event carries them, and its own
`time` if it has one), never from the file, its row number or the hour of the import: the
same row imported again, from this file or another, is the same event, which the worker
stores once (it de-duplicates by source and id).

The message is then judged by consumers.changes.decode(), the worker's own, with the rules and
the secrets the worker would use: a row is valid exactly when the worker would take it, and an
invalid one is refused with the dead-letter topic's reason. Each refusal is placed in its
column from the schema's own error locations.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from consumers.changes import decode
from schemas.dead_letter import Reason, Rejection
from schemas.events import change_event
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign
from worker.commands.importing.cells import (
    CellError,
    JsonValue,
    event_time,
    is_deleted,
    is_empty,
    json_value,
    nip_text,
)
from worker.commands.importing.columns import (
    DELETED,
    NIP,
    TIME,
    Header,
    data_columns,
    letter,
)
from worker.commands.sending import Outgoing
from worker.domain.model import HISTORY_KINDS, Statement
from worker.domain.rules import RuleSet

ID_PREFIX = "sheet-"
DELETION_COLUMNS = frozenset({NIP, TIME, DELETED, "record_id"})
ROW = ""  # the column of a problem that belongs to the row as a whole


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row cannot be imported: where (the row as a spreadsheet numbers it, the header
    being row 1; a column as `hours (F)`) and the dead-letter reason with its one line."""

    row: int
    column: str
    reason: Reason | Literal["same_record"]  # same_record: the sheet's, no dead-letter reason
    detail: str


def event_id(source: str, kind: str, content: Sequence[object]) -> str:
    """The id of a row's event: a digest of source, kind and the row's content."""
    canonical = json.dumps([source, kind, *content], sort_keys=True, ensure_ascii=False)
    return ID_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RowReader:
    """Turns the rows of one sheet into checked messages for one source and kind."""

    header: Header
    source: str
    rules: RuleSet
    default_time: str  # --time, or the hour of the import: not part of the id
    secrets: SourceSecrets
    sign: bool = False
    # (nip, record_id, time) → the first row of that record and time, and its event's id
    _seen: dict[tuple[str, str | None, datetime], tuple[int, str]] = field(
        default_factory=dict, repr=False
    )

    def message(self, row: int, cells: Sequence[object]) -> Outgoing | list[Problem]:
        """The row's message (key, value, headers) as the worker would take it, or why not."""
        values, problems = self._values(row, cells)
        nip = self.header.shown(NIP)
        if NIP not in values and all(p.column != nip for p in problems):
            problems.append(Problem(row, nip, "invalid_event", "empty: every row needs a NIP"))
        event = self._event(values)
        key = str(values.get(NIP, "")).encode()
        value = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [(SIGNATURE_HEADER, self._signature(value))] if self.sign else []
        verdict = decode(key, value, self.rules, headers, self.secrets)
        if isinstance(verdict, Rejection):
            given = {p.column for p in problems}
            problems += [p for p in self._refusal(row, verdict, value) if p.column not in given]
        elif not problems:
            problems += self._same_record(row, verdict)
        return problems if problems else (key, value, headers)

    def _same_record(self, row: int, statement: Statement) -> list[Problem]:
        """Another row's other values for the same record at the same time: the worker would
        keep one of them by the larger id, an arbitrary choice to make for the operator."""
        at = (statement.nip, statement.record_id, statement.time)
        first, first_id = self._seen.setdefault(at, (row, statement.event_id))
        if first_id == statement.event_id:  # the same values again: the same event, harmless
            return []
        detail = (
            f"row {first} gives this record other values at the same time: which would hold is "
            "arbitrary; keep one of the rows, or give each its time"
        )
        return [Problem(row, ROW, "same_record", detail)]

    def _values(self, row: int, cells: Sequence[object]) -> tuple[dict[str, Any], list[Problem]]:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, cell in self._read(row, cells, problems):
            try:
                values[name] = self._value(name, cell)
            except CellError as e:
                reason: Reason = "bad_nip" if name == NIP else "invalid_event"
                problems.append(Problem(row, self.header.shown(name), reason, str(e)))
        return values, problems

    def _read(
        self, row: int, cells: Sequence[object], problems: list[Problem]
    ) -> list[tuple[str, object]]:
        """The cells to read, by column name: the non-empty ones under a header; of a deleted
        row, only those its deletion carries (the others are left as they are)."""
        names = self.header.names
        read: list[tuple[str, object]] = []
        for index, cell in enumerate(cells):
            name = names[index] if index < len(names) else None
            if is_empty(cell):
                continue
            if name is None:
                detail = "a value in a column without a header"
                problems.append(Problem(row, letter(index), "invalid_event", detail))
            else:
                read.append((name, cell))
        deleted = dict(read).get(DELETED)
        with contextlib.suppress(CellError):  # a bad `deleted` is reported as any bad cell
            if deleted is not None and is_deleted(deleted):
                return [(n, c) for n, c in read if n in DELETION_COLUMNS]
        return read

    def _value(self, name: str, cell: object) -> JsonValue | bool:
        if name == NIP:
            return nip_text(cell)
        if name == TIME:
            return event_time(cell)
        if name == DELETED:
            return is_deleted(cell)
        column = next(c for c in data_columns(self.header.kind) if c.name == name)
        return json_value(column, cell)

    def _event(self, values: dict[str, Any]) -> dict[str, Any]:
        kind = self.header.kind
        deleted = bool(values.get(DELETED, False))
        data = {c.name: values[c.name] for c in data_columns(kind) if c.name in values}
        if deleted:
            data = {"record_id": data["record_id"]} if "record_id" in data else {}
        content = [values.get(NIP), deleted, data, values.get(TIME)]
        event: dict[str, Any] = {
            "specversion": "1.0",
            "id": event_id(self.source, kind, content),
            "source": self.source,
            "type": f"asn.{kind}.{'deleted' if deleted else 'upserted'}",
            "subject": values.get(NIP),
            "time": values.get(TIME, self.default_time),
            "datacontenttype": "application/json",
        }
        if data or not deleted or kind in HISTORY_KINDS:
            event["data"] = data
        return event

    def _signature(self, value: bytes) -> bytes:
        secret = self.secrets.secret(self.source)
        if secret is None:  # checked before any row is read (the command's run())
            raise RuntimeError(f"no secret for {self.source} to sign with")
        return sign(secret, value).encode()

    def _refusal(self, row: int, rejection: Rejection, value: bytes) -> list[Problem]:
        """The decoder's refusal, placed in its columns where the schema says which."""
        if rejection.reason in ("invalid_event", "bad_nip"):
            try:
                change_event.validate_json(value, strict=True)
            except ValidationError as e:
                return [self._placed(row, error, rejection.reason) for error in e.errors()]
        if rejection.reason == "not_authorised" and self.header.kind == "profile":
            column = self.header.shown("agency_code")  # a region sends its own staff only
            return [Problem(row, column, rejection.reason, rejection.detail)]
        return [Problem(row, ROW, rejection.reason, rejection.detail)]

    def _placed(self, row: int, error: Any, reason: Reason) -> Problem:
        # loc: (the event type, "data", the field, …) or (the event type, an attribute).
        where = [str(part) for part in error["loc"][1:]]
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "empty, and required"
        if where[:1] == ["subject"]:
            return Problem(row, self.header.shown(NIP), reason, message)
        if where[:1] == ["time"]:
            return Problem(row, self.header.shown(TIME), "invalid_event", message)
        if where[:1] == ["data"] and len(where) > 1:
            return Problem(row, self.header.shown(where[1]), "invalid_event", message)
        return Problem(row, ROW, "invalid_event", message)
