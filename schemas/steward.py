"""A data steward's overrides (contracts §7): change events from source `steward`.

A steward event is a change event (§1) with two more requirements: the CloudEvents extension
attribute `actor` (who decided) and `data.reason` (why). `asn.<kind>.upserted` pins the
values, `asn.<kind>.deleted` pins the absence, and `asn.<kind>.released` ends the pin. Only
the steward may send `released`; steward events are accepted only when signed (§8, checked in
`consumers.changes`).

These models are separate from `schemas.events` so that the upstream systems' events validate
exactly as before: their `source` never matches `steward`, and an `actor` attribute or a
`data.reason` field of theirs stays an ignored unknown.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, TypeAdapter

from schemas.events import (
    WIRE,
    Discipline,
    Education,
    Envelope,
    Performance,
    Position,
    Profile,
    RecordRef,
    Training,
)
from schemas.wire import NO_CONTROL_CHARACTERS


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Actor = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS),
    AfterValidator(_not_blank),
    Field(description="who decided: 1 to 200 characters, not blank, no control characters"),
]
Reason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000, pattern=NO_CONTROL_CHARACTERS),
    AfterValidator(_not_blank),
    Field(description="why: 1 to 1000 characters, not blank, no control characters"),
]


class StewardEnvelope(Envelope):
    source: Literal["steward"]
    actor: Actor


class Note(BaseModel):
    """`data` of a profile or position delete or release: only the reason."""

    model_config = WIRE

    reason: Reason


class RecordNote(RecordRef):
    """`data` of a history record's delete or release: its `record_id` and the reason."""

    reason: Reason


class StewardProfile(Profile):
    reason: Reason


class StewardPosition(Position):
    reason: Reason


class StewardEducation(Education):
    reason: Reason


class StewardTraining(Training):
    reason: Reason


class StewardPerformance(Performance):
    reason: Reason


class StewardDiscipline(Discipline):
    reason: Reason


class StewardProfileUpserted(StewardEnvelope):
    type: Literal["asn.profile.upserted"]
    data: StewardProfile


class StewardProfileDeleted(StewardEnvelope):
    type: Literal["asn.profile.deleted"]
    data: Note


class StewardProfileReleased(StewardEnvelope):
    type: Literal["asn.profile.released"]
    data: Note


class StewardPositionUpserted(StewardEnvelope):
    type: Literal["asn.position.upserted"]
    data: StewardPosition


class StewardPositionDeleted(StewardEnvelope):
    type: Literal["asn.position.deleted"]
    data: Note


class StewardPositionReleased(StewardEnvelope):
    type: Literal["asn.position.released"]
    data: Note


class StewardEducationUpserted(StewardEnvelope):
    type: Literal["asn.education.upserted"]
    data: StewardEducation


class StewardEducationDeleted(StewardEnvelope):
    type: Literal["asn.education.deleted"]
    data: RecordNote


class StewardEducationReleased(StewardEnvelope):
    type: Literal["asn.education.released"]
    data: RecordNote


class StewardTrainingUpserted(StewardEnvelope):
    type: Literal["asn.training.upserted"]
    data: StewardTraining


class StewardTrainingDeleted(StewardEnvelope):
    type: Literal["asn.training.deleted"]
    data: RecordNote


class StewardTrainingReleased(StewardEnvelope):
    type: Literal["asn.training.released"]
    data: RecordNote


class StewardPerformanceUpserted(StewardEnvelope):
    type: Literal["asn.performance.upserted"]
    data: StewardPerformance


class StewardPerformanceDeleted(StewardEnvelope):
    type: Literal["asn.performance.deleted"]
    data: RecordNote


class StewardPerformanceReleased(StewardEnvelope):
    type: Literal["asn.performance.released"]
    data: RecordNote


class StewardDisciplineUpserted(StewardEnvelope):
    type: Literal["asn.discipline.upserted"]
    data: StewardDiscipline


class StewardDisciplineDeleted(StewardEnvelope):
    type: Literal["asn.discipline.deleted"]
    data: RecordNote


class StewardDisciplineReleased(StewardEnvelope):
    type: Literal["asn.discipline.released"]
    data: RecordNote


StewardEvent = Annotated[
    StewardProfileUpserted
    | StewardProfileDeleted
    | StewardProfileReleased
    | StewardPositionUpserted
    | StewardPositionDeleted
    | StewardPositionReleased
    | StewardEducationUpserted
    | StewardEducationDeleted
    | StewardEducationReleased
    | StewardTrainingUpserted
    | StewardTrainingDeleted
    | StewardTrainingReleased
    | StewardPerformanceUpserted
    | StewardPerformanceDeleted
    | StewardPerformanceReleased
    | StewardDisciplineUpserted
    | StewardDisciplineDeleted
    | StewardDisciplineReleased,
    Field(discriminator="type"),
]
steward_event: TypeAdapter[StewardEvent] = TypeAdapter(StewardEvent)

STEWARD_EVENT_TYPES: frozenset[str] = frozenset(
    get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(StewardEvent)[0])
)
"""Every type a steward may send: the upstream types and `asn.<kind>.released`."""
RELEASE_TYPES: frozenset[str] = frozenset(t for t in STEWARD_EVENT_TYPES if t.endswith(".released"))
