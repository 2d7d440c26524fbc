"""Outbound: ``asn.ipasn.recalculated`` (contracts §4). Frozen, extra fields forbidden."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from worker.domain.model import Band

RECALCULATED_TYPE: Final = "asn.ipasn.recalculated"
WORKER_SOURCE: Final = "ipasn-worker"


def _number(value: Decimal) -> int | float:
    # A JSON number, not a string: 62.5 and 15 as such. Points are halves at worst, which a
    # float holds exactly; the exact Decimal stays in the database.
    return int(value) if value == value.to_integral_value() else float(value)


Points = Annotated[
    Decimal,
    PlainSerializer(_number, return_type=Any, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DimensionScores(_Frozen):
    qualification: Points
    competency: Points
    performance: Points
    discipline: Points


class CausedBy(_Frozen):
    source: str
    id: str


class Recalculation(_Frozen):
    nip: str
    measurement_year: int
    rule_version: str
    revision: Annotated[int, Field(ge=1)]
    score: Points | None
    band: Band | None
    dimensions: DimensionScores | None
    previous_score: Points | None
    previous_band: Band | None
    agency_code: str | None
    caused_by: list[CausedBy]


class IndexRecalculated(_Frozen):
    specversion: Literal["1.0"] = "1.0"
    id: str
    source: Literal["ipasn-worker"] = WORKER_SOURCE
    type: Literal["asn.ipasn.recalculated"] = RECALCULATED_TYPE
    subject: str
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: Recalculation


def event_id(nip: str, year: int, rule_version: str, revision: int) -> str:
    return f"{nip}:{year}:{rule_version}:{revision}"


def recalculated_event(data: Recalculation, at: datetime) -> IndexRecalculated:
    return IndexRecalculated(
        id=event_id(data.nip, data.measurement_year, data.rule_version, data.revision),
        subject=data.nip,
        time=at,
        data=data,
    )
