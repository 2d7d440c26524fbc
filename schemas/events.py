"""Inbound personnel change events: CloudEvents 1.0, structured JSON mode (contracts §1).

Models ignore unknown CloudEvents attributes and unknown ``data`` fields, so upstream systems
can add to their events; a missing or malformed required field fails validation.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from worker.domain.nip import validate_nip

Nip = Annotated[str, AfterValidator(validate_nip), Field(description="18-digit NIP")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z._-]+$")]
Source = Annotated[str, Field(pattern=r"^(siasn|ekinerja|simpeg:[0-9A-Za-z]{1,40})$")]


def _plausible_time(value: datetime) -> datetime:
    # Far-off years overflow when converted to UTC and mean a broken clock upstream.
    if not 1900 <= value.year <= 2200:
        raise ValueError("time must fall between the years 1900 and 2200")
    return value


EventTime = Annotated[AwareDatetime, AfterValidator(_plausible_time)]

EducationLevel = Literal["S3", "S2", "S1", "D4", "D3", "D2", "D1", "SMA", "SMP", "SD"]
TrainingCategory = Literal["leadership", "functional", "technical", "seminar"]
LeadershipTier = Literal["PIM_I", "PIM_II", "PIM_III", "PIM_IV", "PKN_I", "PKN_II", "PKA", "PKP"]
Predicate = Literal[
    "SANGAT_BAIK", "BAIK", "CUKUP", "BUTUH_PERBAIKAN", "KURANG", "BURUK", "SANGAT_KURANG"
]
DisciplineLevel = Literal["light", "medium", "heavy"]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Profile(_Data):
    name: Text
    birth_date: date
    gender: Literal["M", "F"]
    employee_type: Literal["PNS", "PPPK"]
    status: Literal["active", "retired", "dismissed", "deceased", "on_leave"]
    agency_code: Code
    unit_code: Code


class Position(_Data):
    position_type: Literal["struktural", "fungsional", "pelaksana"]
    position_name: Text
    echelon: Annotated[str, Field(pattern=r"^(I|II|III|IV)(\.[abAB])?$")] | None = None
    tmt: date

    @model_validator(mode="after")
    def _echelon_only_for_struktural(self) -> Position:
        if self.position_type == "struktural" and self.echelon is None:
            raise ValueError("a struktural position needs an echelon")
        if self.position_type != "struktural" and self.echelon is not None:
            raise ValueError("only a struktural position has an echelon")
        return self


class RecordRef(_Data):
    record_id: Code


class Education(RecordRef):
    level: EducationLevel
    institution: Text
    graduated_on: date


class Training(RecordRef):
    category: TrainingCategory
    leadership_tier: LeadershipTier | None = None
    name: Text
    start_date: date
    end_date: date
    hours: Annotated[Decimal, Field(ge=0, le=10000)]

    @model_validator(mode="after")
    def _consistent(self) -> Training:
        if (self.category == "leadership") != (self.leadership_tier is not None):
            raise ValueError("leadership_tier is required for, and only for, leadership training")
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Performance(RecordRef):
    year: Annotated[int, Field(ge=1950, le=2100)]
    predicate: Predicate | None = None
    score: Annotated[Decimal, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _predicate_or_score(self) -> Performance:
        if self.predicate is None and self.score is None:
            raise ValueError("a performance record needs a predicate or a score")
        return self


class Discipline(RecordRef):
    level: DisciplineLevel
    decree_number: Text
    start_date: date
    end_date: date | None = None


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"]
    id: Annotated[str, Field(min_length=1, max_length=200)]
    source: Source
    subject: Nip
    time: EventTime
    sequence: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None


class ProfileUpserted(Envelope):
    type: Literal["asn.profile.upserted"]
    data: Profile


class ProfileDeleted(Envelope):
    type: Literal["asn.profile.deleted"]
    data: dict[str, object] | None = None


class PositionUpserted(Envelope):
    type: Literal["asn.position.upserted"]
    data: Position


class PositionDeleted(Envelope):
    type: Literal["asn.position.deleted"]
    data: dict[str, object] | None = None


class EducationUpserted(Envelope):
    type: Literal["asn.education.upserted"]
    data: Education


class EducationDeleted(Envelope):
    type: Literal["asn.education.deleted"]
    data: RecordRef


class TrainingUpserted(Envelope):
    type: Literal["asn.training.upserted"]
    data: Training


class TrainingDeleted(Envelope):
    type: Literal["asn.training.deleted"]
    data: RecordRef


class PerformanceUpserted(Envelope):
    type: Literal["asn.performance.upserted"]
    data: Performance


class PerformanceDeleted(Envelope):
    type: Literal["asn.performance.deleted"]
    data: RecordRef


class DisciplineUpserted(Envelope):
    type: Literal["asn.discipline.upserted"]
    data: Discipline


class DisciplineDeleted(Envelope):
    type: Literal["asn.discipline.deleted"]
    data: RecordRef


ChangeEvent = Annotated[
    ProfileUpserted
    | ProfileDeleted
    | PositionUpserted
    | PositionDeleted
    | EducationUpserted
    | EducationDeleted
    | TrainingUpserted
    | TrainingDeleted
    | PerformanceUpserted
    | PerformanceDeleted
    | DisciplineUpserted
    | DisciplineDeleted,
    Field(discriminator="type"),
]
change_event: TypeAdapter[ChangeEvent] = TypeAdapter(ChangeEvent)

EVENT_TYPES: frozenset[str] = frozenset(
    get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(ChangeEvent)[0])
)
