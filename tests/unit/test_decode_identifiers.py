"""Identifiers and texts are opaque (contracts §1): 1 to 200 characters, no control characters.

Only agency_code is restricted, to 1 to 40 letters or digits, because it names a regional source.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.dead_letter import Rejection
from schemas.wire import Opaque
from tests.factories import cloud_event, profile_data
from tests.unit.decoding import decoded as decode_event
from worker.db.tables import conflicts, records, statements
from worker.domain.model import Statement

UNUSUAL = [
    "simpeg:7318-pend-2802-0",
    "12/KP/2021",
    "A8ACA7B1-62D4-4F0C",
    "Universitas Sam Ratulangi \u2013 Manado",
    "  spaces  around and  inside ",
    " ",
    "#",
    "Ñ",
    "\U0001f600",
    "الرقم 7",
    '"quoted" \\ back\\slash',
    "x" * 200,
    "\u00e9" * 200,
    "\U0001f600" * 200,  # 200 characters, 800 UTF-8 bytes
]
FORBIDDEN = [
    ("empty", ""),
    ("201 characters", "x" * 201),
    ("NUL", "A\u0000"),
    ("tab", "12\tKP"),
    ("line feed", "12\nKP"),
    ("carriage return", "12\r"),
    ("unit separator", "\u001f"),
    ("DEL", "A\u007f"),
    ("C1 NEL", "A\u0085"),
    ("C1 APC", "\u009f"),
]
NOT_A_STRING: list[Any] = [123, 12.5, True, None, ["E-1"], {"id": "E-1"}]

# (kind, field, data without the field); source siasn may send each.
EDUCATION = {"level": "S1", "institution": "Universitas Terbuka", "graduated_on": "2010-08-01"}
DISCIPLINE = {"level": "light", "decree_number": "800/1", "start_date": "2023-02-01"}
POSITION = {"position_type": "pelaksana", "position_name": "Analis", "tmt": "2020-01-01"}
TRAINING = {
    "category": "seminar",
    "name": "Seminar",
    "start_date": "2025-02-03",
    "end_date": "2025-02-03",
    "hours": 2,
}
OPAQUE_DATA_FIELDS: list[tuple[str, str, dict[str, Any]]] = [
    ("education", "record_id", EDUCATION),
    ("education", "institution", {**EDUCATION, "record_id": "E-1"}),
    ("training", "name", {**TRAINING, "record_id": "T-1"}),
    ("discipline", "decree_number", {**DISCIPLINE, "record_id": "D-1"}),
    ("profile", "name", profile_data("3201")),
    ("profile", "unit_code", profile_data("3201")),
    ("position", "position_name", POSITION),
]


def _event(kind: str, field: str, data: dict[str, Any], text: Any) -> dict[str, Any]:
    return cloud_event(kind, {**data, field: text})


def _written(statement: Statement, field: str) -> Any:
    if field == "record_id":
        return statement.record_id
    assert statement.values is not None
    return statement.values[field]


@pytest.mark.parametrize("text", UNUSUAL)
@pytest.mark.parametrize(("kind", "field", "data"), OPAQUE_DATA_FIELDS)
def test_an_unusual_identifier_or_text_is_accepted_exactly_as_written(
    kind: str, field: str, data: dict[str, Any], text: str
) -> None:
    decoded = decode_event(_event(kind, field, data, text))
    assert isinstance(decoded, Statement), decoded
    assert _written(decoded, field) == text


@pytest.mark.parametrize("text", UNUSUAL)
def test_an_unusual_event_id_is_accepted_exactly_as_written(text: str) -> None:
    decoded = decode_event(cloud_event("profile", profile_data("3201"), event_id=text))
    assert isinstance(decoded, Statement), decoded
    assert decoded.event_id == text


def test_a_regional_record_id_with_a_colon_is_accepted() -> None:
    decoded = decode_event(
        cloud_event(
            "education",
            {**EDUCATION, "record_id": "simpeg:7318-pend-2802-0"},
            source="simpeg:7318",
        )
    )
    assert isinstance(decoded, Statement), decoded
    assert (decoded.record_id, decoded.source) == ("simpeg:7318-pend-2802-0", "simpeg:7318")


def test_a_history_delete_takes_an_opaque_record_id() -> None:
    decoded = decode_event(cloud_event("discipline", {"record_id": "12/KP/2021"}, op="deleted"))
    assert isinstance(decoded, Statement), decoded
    assert (decoded.record_id, decoded.values) == ("12/KP/2021", None)


@pytest.mark.parametrize(("case", "text"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
@pytest.mark.parametrize(("kind", "field", "data"), OPAQUE_DATA_FIELDS)
def test_an_identifier_or_text_empty_too_long_or_with_a_control_character_is_invalid(
    kind: str, field: str, data: dict[str, Any], case: str, text: str
) -> None:
    decoded = decode_event(_event(kind, field, data, text))
    assert isinstance(decoded, Rejection)
    assert (decoded.reason, decoded.kind) == ("invalid_event", kind)


@pytest.mark.parametrize(("case", "text"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_an_event_id_empty_too_long_or_with_a_control_character_is_invalid(
    case: str, text: str
) -> None:
    decoded = decode_event(cloud_event("profile", profile_data("3201"), event_id=text))
    assert isinstance(decoded, Rejection)
    assert decoded.reason == "invalid_event"


@pytest.mark.parametrize("value", NOT_A_STRING, ids=repr)
@pytest.mark.parametrize(("kind", "field", "data"), OPAQUE_DATA_FIELDS)
def test_an_identifier_or_text_that_is_not_a_json_string_is_invalid(
    kind: str, field: str, data: dict[str, Any], value: Any
) -> None:
    decoded = decode_event(_event(kind, field, data, value))
    assert isinstance(decoded, Rejection)
    assert decoded.reason == "invalid_event"


@pytest.mark.parametrize("value", NOT_A_STRING, ids=repr)
def test_an_event_id_that_is_not_a_json_string_is_invalid(value: Any) -> None:
    decoded = decode_event(cloud_event("profile", profile_data("3201"), event_id=value))
    assert isinstance(decoded, Rejection)
    assert decoded.reason == "invalid_event"


@pytest.mark.parametrize("code", ["3201", "7318", "A1", "bkd32", "9" * 40])
def test_an_agency_code_of_letters_and_digits_is_accepted(code: str) -> None:
    decoded = decode_event(cloud_event("profile", profile_data(code)))
    assert isinstance(decoded, Statement), decoded
    assert decoded.values is not None
    assert decoded.values["agency_code"] == code


@pytest.mark.parametrize(
    "code",
    [
        "",
        "9" * 41,
        "32.01",
        "32-01",
        "32 01",
        "32:01",
        "\uff13\uff12\uff10\uff11",
        "320\u0000",
        3201,
        None,
    ],
    ids=repr,
)
def test_an_agency_code_other_than_1_to_40_letters_or_digits_is_invalid(code: Any) -> None:
    decoded = decode_event(cloud_event("profile", profile_data("3201") | {"agency_code": code}))
    assert isinstance(decoded, Rejection)
    assert decoded.reason == "invalid_event"


@pytest.mark.parametrize(
    "source", ["simpeg:", "simpeg:32.01", "simpeg:\uff13\uff12\uff10\uff11", "SIASN", "siasn "]
)
def test_a_source_outside_the_contracts_forms_is_invalid(source: str) -> None:
    decoded = decode_event(cloud_event("profile", profile_data("3201"), source=source))
    assert isinstance(decoded, Rejection)
    assert (decoded.reason, decoded.source) == ("invalid_event", None)


@pytest.mark.parametrize("text", ["\ud800", "A\udfff", "\ud800\ud800"])
def test_a_text_built_in_python_with_a_lone_surrogate_is_invalid(text: str) -> None:
    # JSON never gets this far (jiter refuses it); Python callers of the models must not either.
    with pytest.raises(ValidationError):
        TypeAdapter(Opaque).validate_python(text)


@pytest.mark.parametrize(
    "column",
    [
        statements.c.record_id,
        records.c.record_id,
        conflicts.c.record_id,
        statements.c.event_id,
        records.c.event_id,
        conflicts.c.winner_event_id,
        conflicts.c.loser_event_id,
    ],
    ids=str,
)
def test_every_column_holding_an_opaque_identifier_fits_200_characters(column: Any) -> None:
    assert column.type.length >= 200
