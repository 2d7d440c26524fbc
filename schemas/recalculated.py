"""Outbound: ``asn.ipasn.recalculated`` (contracts §4). Frozen, extra fields forbidden."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from worker.domain.model import Band, IndexResult, IndexRevision

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


class Outbound(_Frozen):
    """The CloudEvents envelope of the worker's own events; each names its `type` and `data`."""

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: Literal["ipasn-worker"] = WORKER_SOURCE
    type: str
    subject: str
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"


class IndexRecalculated(Outbound):
    type: Literal["asn.ipasn.recalculated"] = RECALCULATED_TYPE
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


def recalculation(
    current: IndexRevision, previous: IndexResult | None, caused_by: Iterable[CausedBy]
) -> Recalculation:
    """The event's data for a revision of the index that follows `previous` (None: none)."""
    index, dims = current.index, current.index.dimensions
    return Recalculation(
        nip=index.nip,
        measurement_year=index.measurement_year,
        rule_version=index.rule_version,
        revision=current.revision,
        score=index.score,
        band=index.band,
        dimensions=None if dims is None else DimensionScores(**dims.as_dict()),
        previous_score=previous.score if previous else None,
        previous_band=previous.band if previous else None,
        agency_code=index.agency_code,
        caused_by=list(caused_by),
    )


Cause = tuple[str, str]  # a change event that caused an output: its source and its id


def _json_number(value: object) -> object:
    if isinstance(value, Decimal):
        return _number(value)
    raise TypeError(type(value).__name__)


def recalculated_payload(
    current: IndexRevision, previous: IndexResult | None, caused_by: Iterable[Cause], at: datetime
) -> tuple[str, str]:
    """The event id and JSON of a revision: what `recalculated_event(recalculation(...))`
    serializes to (a test holds them equal), built without pydantic, as the snapshots are."""
    index, dims = current.index, current.index.dimensions
    identifier = event_id(index.nip, index.measurement_year, index.rule_version, current.revision)
    event = {
        "specversion": "1.0",
        "id": identifier,
        "source": WORKER_SOURCE,
        "type": RECALCULATED_TYPE,
        "subject": index.nip,
        "time": at,
        "datacontenttype": "application/json",
        "data": {
            "nip": index.nip,
            "measurement_year": index.measurement_year,
            "rule_version": index.rule_version,
            "revision": current.revision,
            "score": index.score,
            "band": index.band,
            "dimensions": None if dims is None else dims.as_dict(),
            "previous_score": previous.score if previous else None,
            "previous_band": previous.band if previous else None,
            "agency_code": index.agency_code,
            "caused_by": [{"source": source, "id": id_} for source, id_ in caused_by],
        },
    }
    payload = orjson.dumps(event, option=orjson.OPT_UTC_Z, default=_json_number)
    return identifier, payload.decode()
