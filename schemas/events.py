"""Inbound personnel change events: CloudEvents 1.0, structured JSON mode (contracts §1).

Models ignore unknown CloudEvents attributes and unknown ``data`` fields, so upstream systems
can add to their events; a missing or malformed required field fails validation.

Validation is strict (``strict=True``): a JSON value of the wrong JSON type is an error, never
coerced. Strings are JSON strings (``"record_id": 123`` and ``"agency_code": 3201`` fail),
integers are JSON integers (``"year": "2024"``, ``2024.0`` and ``true`` fail), ``hours`` and
``score`` are JSON numbers (``"10"`` fails), dates and times are JSON strings of the exact forms
in ``schemas.wire``, enumerations match exactly, and optional fields may be ``null``.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from schemas.wire import AgencyCode, EventTime, Hours, IsoDate, Opaque, Score, Source
from worker.domain.nip import validate_nip

Nip = Annotated[str, AfterValidator(validate_nip), Field(description="18-digit NIP")]

EducationLevel = Literal["S3", "S2", "S1", "D4", "D3", "D2", "D1", "SMA", "SMP", "SD"]
TrainingCategory = Literal["leadership", "functional", "technical", "seminar"]
LeadershipTier = Literal["PIM_I", "PIM_II", "PIM_III", "PIM_IV", "PKN_I", "PKN_II", "PKA", "PKP"]
Predicate = Literal[
    "SANGAT_BAIK", "BAIK", "CUKUP", "BUTUH_PERBAIKAN", "KURANG", "BURUK", "SANGAT_KURANG"
]
DisciplineLevel = Literal["light", "medium", "heavy"]

WIRE = ConfigDict(frozen=True, extra="ignore", strict=True)


class _Data(BaseModel):
    model_config = WIRE


class Profile(_Data):
    name: Opaque
    birth_date: IsoDate
    gender: Literal["M", "F"]
    employee_type: Literal["PNS", "PPPK"]
    status: Literal["active", "retired", "dismissed", "deceased", "on_leave"]
    agency_code: AgencyCode
    unit_code: Opaque


class Position(_Data):
    position_type: Literal["struktural", "fungsional", "pelaksana"]
    position_name: Opaque
    echelon: Annotated[str, Field(pattern=r"^(I|II|III|IV)(\.[abAB])?$")] | None = None
    tmt: IsoDate

    @model_validator(mode="after")
    def _echelon_only_for_struktural(self) -> Position:
        if self.position_type == "struktural" and self.echelon is None:
            raise ValueError("a struktural position needs an echelon")
        if self.position_type != "struktural" and self.echelon is not None:
            raise ValueError("only a struktural position has an echelon")
        return self


class RecordRef(_Data):
    record_id: Opaque


class Education(RecordRef):
    level: EducationLevel
    institution: Opaque
    graduated_on: IsoDate


class Training(RecordRef):
    category: TrainingCategory
    leadership_tier: LeadershipTier | None = None
    name: Opaque
    start_date: IsoDate
    end_date: IsoDate
    hours: Hours

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
    score: Score | None = None

    @model_validator(mode="after")
    def _predicate_or_score(self) -> Performance:
        if self.predicate is None and self.score is None:
            raise ValueError("a performance record needs a predicate or a score")
        return self


class Discipline(RecordRef):
    level: DisciplineLevel
    decree_number: Opaque
    start_date: IsoDate
    end_date: IsoDate | None = None


class Envelope(BaseModel):
    model_config = WIRE

    specversion: Literal["1.0"]
    id: Opaque
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
