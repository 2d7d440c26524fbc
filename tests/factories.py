"""Builders for the pure core's tests: record values, statements, records and CloudEvents.

Record values go through the inbound pydantic models and ``model_dump(mode="json")``, exactly
as ``consumers.changes`` produces them: dates are ISO strings, hours and scores are strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from pydantic import BaseModel

from schemas.events import Discipline, Education, Performance, Position, Profile, Training
from schemas.rules import load_rules
from worker.domain.index import score
from worker.domain.model import HISTORY_KINDS, IndexResult, Kind, Record, Resolution, Statement
from worker.domain.reconcile import resolve
from worker.domain.rules import RuleSet

BKN_8_2019: RuleSet = load_rules()
YEAR = 2025  # the measurement year N of every test unless it says otherwise
NIP = "198703142010121001"
OTHER_NIP = "199406302019032002"
NAME = "Siti Rahmawati Daeng Tayu"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

_event_ids = count(1)
Number = int | str | Decimal


def at(minutes: int) -> datetime:
    """A statement time, in minutes after T0."""
    return T0 + timedelta(minutes=minutes)


def _dump(model: BaseModel) -> dict[str, Any]:
    values: dict[str, Any] = model.model_dump(mode="json")
    values.pop("record_id", None)
    return values


# --- record values, as Statement.values holds them -------------------------------------------


def profile_values(
    agency_code: str = "3201", *, name: str = NAME, status: str = "active"
) -> dict[str, Any]:
    return _dump(
        Profile.model_validate(
            {
                "name": name,
                "birth_date": "1987-03-14",
                "gender": "F",
                "employee_type": "PNS",
                "status": status,
                "agency_code": agency_code,
                "unit_code": "U01",
            }
        )
    )


def position_values(position_type: str = "pelaksana", echelon: str | None = None) -> dict[str, Any]:
    return _dump(
        Position.model_validate(
            {
                "position_type": position_type,
                "position_name": "Analis Kepegawaian",
                "echelon": echelon,
                "tmt": "2020-01-01",
            }
        )
    )


def education_values(level: str, graduated_on: date) -> dict[str, Any]:
    return _dump(
        Education.model_validate(
            {
                "record_id": "x",
                "level": level,
                "institution": "Universitas Hasanuddin",
                "graduated_on": graduated_on,
            }
        )
    )


def training_values(
    category: str,
    end_date: date,
    hours: Number = 20,
    *,
    leadership_tier: str | None = None,
    start_date: date | None = None,
) -> dict[str, Any]:
    return _dump(
        Training.model_validate(
            {
                "record_id": "x",
                "category": category,
                "leadership_tier": leadership_tier,
                "name": "Pelatihan",
                "start_date": start_date or end_date,
                "end_date": end_date,
                "hours": Decimal(str(hours)),
            }
        )
    )


def performance_values(
    year: int, predicate: str | None = None, score: Number | None = None
) -> dict[str, Any]:
    return _dump(
        Performance.model_validate(
            {
                "record_id": "x",
                "year": year,
                "predicate": predicate,
                "score": None if score is None else Decimal(str(score)),
            }
        )
    )


def discipline_values(level: str, start_date: date) -> dict[str, Any]:
    return _dump(
        Discipline.model_validate(
            {
                "record_id": "x",
                "level": level,
                "decree_number": "800/12/BKPSDM",
                "start_date": start_date,
                "end_date": None,
            }
        )
    )


# --- statements and records ------------------------------------------------------------------


def statement(
    kind: Kind,
    values: Mapping[str, Any] | None,
    *,
    source: str = "siasn",
    record_id: str | None = None,
    time: datetime = T0,
    sequence: int | None = None,
    event_id: str | None = None,
    nip: str = NIP,
) -> Statement:
    """An upsert (values) or a delete (values None); history kinds default to record "r1"."""
    if record_id is None and kind in HISTORY_KINDS:
        record_id = "r1"
    return Statement(
        nip=nip,
        source=source,
        kind=kind,
        record_id=record_id,
        event_id=event_id or f"ev-{next(_event_ids):06d}",
        time=time,
        sequence=sequence,
        values=None if values is None else dict(values),
    )


def deletion(kind: Kind, **kwargs: Any) -> Statement:
    return statement(kind, None, **kwargs)


def record(
    kind: Kind,
    values: Mapping[str, Any],
    *,
    record_id: str = "r1",
    source: str = "siasn",
    time: datetime = T0,
) -> Record:
    return Record(kind, record_id, dict(values), source, f"ev-{next(_event_ids):06d}", time)


def records(kind: Kind, *values: Mapping[str, Any]) -> list[Record]:
    """Several records of one kind, with record ids r1, r2, …"""
    return [record(kind, v, record_id=f"r{i}") for i, v in enumerate(values, 1)]


def employee(
    agency_code: str = "3201",
    position: Mapping[str, Any] | None = None,
    *,
    source: str = "siasn",
    nip: str = NIP,
) -> list[Statement]:
    """A profile and a position: the least an employee needs to have an index."""
    return [
        statement("profile", profile_values(agency_code), source=source, nip=nip),
        statement("position", position or position_values(), source=source, nip=nip),
    ]


def resolve_and_score(
    statements: Iterable[Statement],
    *,
    nip: str = NIP,
    year: int = YEAR,
    rules: RuleSet = BKN_8_2019,
) -> tuple[Resolution, IndexResult]:
    resolution = resolve(nip, list(statements), rules)
    return resolution, score(resolution, year, rules)


# --- CloudEvents on the wire -----------------------------------------------------------------


def cloud_event(
    kind: str,
    data: Mapping[str, Any] | None,
    *,
    op: str = "upserted",
    source: str = "siasn",
    subject: str = NIP,
    event_id: str = "ev-1",
    time: str = "2025-03-01T08:00:00+07:00",
    **attributes: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": f"asn.{kind}.{op}",
        "subject": subject,
        "time": time,
    }
    if data is not None:
        event["data"] = dict(data)
    event.update(attributes)
    return event


def encoded(event: Mapping[str, Any]) -> bytes:
    return json.dumps(event).encode("utf-8")


def profile_data(agency_code: str = "3201", *, name: str = NAME) -> dict[str, Any]:
    return {
        "name": name,
        "birth_date": "1987-03-14",
        "gender": "F",
        "employee_type": "PNS",
        "status": "active",
        "agency_code": agency_code,
        "unit_code": "U01",
    }


def training_data(record_id: str = "T-1", hours: int | float | str = 10) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "category": "technical",
        "name": "Pelatihan Teknis SIASN",
        "start_date": "2025-02-03",
        "end_date": "2025-02-05",
        "hours": hours,
    }
