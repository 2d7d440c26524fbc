"""Outbound: ``asn.ipasn.agency.recalculated`` (contracts §10), one agency's figures for a
measurement year and rule version. Frozen, extra fields forbidden."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Final, Literal

import orjson
from pydantic import Field

from schemas.recalculated import WORKER_SOURCE, Outbound, Points, _Frozen
from worker.domain.agencies import AgencyKey, Figures, as_data

AGENCY_TYPE: Final = "asn.ipasn.agency.recalculated"


class BandCounts(_Frozen):
    sangat_tinggi: int = Field(alias="Sangat Tinggi", ge=0)
    tinggi: int = Field(alias="Tinggi", ge=0)
    sedang: int = Field(alias="Sedang", ge=0)
    rendah: int = Field(alias="Rendah", ge=0)
    sangat_rendah: int = Field(alias="Sangat Rendah", ge=0)


class AgencyFigures(_Frozen):
    agency_code: str
    measurement_year: int
    rule_version: str
    version: Annotated[int, Field(ge=1)]
    employees: Annotated[int, Field(ge=0)]
    mean_score: Points | None
    bands: BandCounts


class AgencyRecalculated(Outbound):
    type: Literal["asn.ipasn.agency.recalculated"] = AGENCY_TYPE
    data: AgencyFigures


def event_id(key: AgencyKey, version: int) -> str:
    agency, year, rule_version = key
    return f"{agency}:{year}:{rule_version}:{version}"


def _number(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def agency_payload(key: AgencyKey, figures: Figures, version: int, at: datetime) -> tuple[str, str]:
    """The event id and JSON of an agency's figures, as AgencyRecalculated serializes them (a
    test holds the two equal)."""
    identifier = event_id(key, version)
    event = {
        "specversion": "1.0",
        "id": identifier,
        "source": WORKER_SOURCE,
        "type": AGENCY_TYPE,
        "subject": key[0],
        "time": at,
        "datacontenttype": "application/json",
        "data": as_data(key, figures, version),
    }
    return identifier, orjson.dumps(event, option=orjson.OPT_UTC_Z, default=_number).decode()
