"""The columns of a spreadsheet of one kind (contracts §13): `nip`, the kind's `data` fields as
the wire schema names them, and optionally `time` and `deleted`; what each column takes.

The data columns are read from the inbound models' JSON Schema (schemas/events.py), so a field
added to a kind is a column of its spreadsheets and its template without a change here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args

from pydantic import BaseModel

from schemas.events import ChangeEvent
from schemas.wire import NO_CONTROL_CHARACTERS
from worker.domain.model import Kind

_COLUMN_LIKE = re.compile(r"[a-z_]{1,40}")
NIP = "nip"
TIME = "time"
DELETED = "deleted"

# text: kept exactly as written (an opaque identifier or name, contracts §1);
# code, choice: a short code, surrounding spaces dropped (agency_code, echelon; an enumeration);
# date: a date cell or YYYY-MM-DD; number, integer: a number cell or its digits.
ColumnType = Literal["text", "code", "choice", "date", "number", "integer"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    required: bool  # in a row that is not deleted
    choices: tuple[str, ...] = ()


@cache
def data_model(kind: Kind) -> type[BaseModel]:
    """The model of an upserted event's `data` of this kind."""
    wanted = f"asn.{kind}.upserted"
    for event in get_args(get_args(ChangeEvent)[0]):
        if get_args(event.model_fields["type"].annotation) == (wanted,):
            model: type[BaseModel] = event.model_fields["data"].annotation
            return model
    raise LookupError(f"no {wanted} event in schemas/events.py")


def _column(name: str, schema: Mapping[str, Any], required: bool) -> Column:
    # An optional field is anyOf [its schema, null].
    shape = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
    if "enum" in shape:
        return Column(name, "choice", required, tuple(shape["enum"]))
    if shape.get("format") == "date":
        return Column(name, "date", required)
    if shape.get("type") in ("number", "integer"):
        return Column(name, shape["type"], required)
    opaque = shape.get("pattern") in (None, NO_CONTROL_CHARACTERS)
    return Column(name, "text" if opaque else "code", required)


@cache
def data_columns(kind: Kind) -> tuple[Column, ...]:
    """The kind's `data` fields as columns, in the schema's order."""
    schema = data_model(kind).model_json_schema()
    required = set(schema.get("required", ()))
    return tuple(_column(n, s, n in required) for n, s in schema["properties"].items())


def column_names(kind: Kind) -> tuple[str, ...]:
    """Every column a spreadsheet of this kind may have, in the template's order."""
    return (NIP, *(c.name for c in data_columns(kind)), TIME, DELETED)


def letter(index: int) -> str:
    """The spreadsheet's name of the column at 0-based `index`: A, B, …, Z, AA, …"""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


class HeaderError(ValueError):
    """A header row this kind's spreadsheets cannot have; the message is one line."""


@dataclass(frozen=True, slots=True)
class Header:
    """Which column of the sheet holds what: a known column name at each position it is at,
    None where the header cell is empty."""

    kind: Kind
    names: tuple[str | None, ...]

    def position(self, name: str) -> int | None:
        return self.names.index(name) if name in self.names else None

    def shown(self, name: str) -> str:
        """A column as the report names it: `hours (F)`."""
        where = self.position(name)
        return name if where is None else f"{name} ({letter(where)})"


def _needed(kind: Kind, *, deletions: bool) -> list[str]:
    """The columns every row needs: a sheet with a `deleted` column may hold only deletions,
    which need no more than the NIP and, in a history, the record's id."""
    required = [c.name for c in data_columns(kind) if c.required]
    return [NIP, *(n for n in required if not deletions or n == "record_id")]


def _named(index: int, name: str) -> str:
    # Only a name that looks like a column's is repeated.
    return f"{name} ({letter(index)})" if _COLUMN_LIKE.fullmatch(name) else letter(index)


def read_header(cells: Sequence[object], kind: Kind) -> Header:
    """The header row, checked; HeaderError names what is wrong with it. Names are compared
    without surrounding spaces and case (`NIP`, ` Hours`)."""
    names = [str(c).strip().lower() if c is not None and str(c).strip() else None for c in cells]
    while names and names[-1] is None:
        names.pop()
    known = column_names(kind)
    problems = []
    # A row 1 without `nip` may be a row of data: its cells, a NIP or a name, are not repeated.
    shown = _named if NIP in names else lambda index, _: letter(index)
    if unknown := [shown(i, n) for i, n in enumerate(names) if n is not None and n not in known]:
        problems.append(f"unknown column {', '.join(unknown)}")
    if repeated := sorted({n for n in names if n is not None and names.count(n) > 1}):
        problems.append(f"column {', '.join(repeated)} more than once")
    if missing := [n for n in _needed(kind, deletions=DELETED in names) if n not in names]:
        problems.append(f"no column {', '.join(missing)}")
    if problems:
        raise HeaderError(
            f"the header row (row 1): {'; '.join(problems)}. The columns of {kind} are "
            f"{', '.join(known)} (`ipasn-worker import --template {kind}` writes them)"
        )
    return Header(kind, tuple(names))
