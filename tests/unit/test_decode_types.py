"""Strict JSON types: numbers are JSON numbers, strings JSON strings, enumerations exact.

pydantic's default (lax) mode would accept "2024" as a year, "10" as hours and 3201 as an agency
code; the contract names one JSON form for each, and only that one passes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import NIP, cloud_event, profile_data, training_data
from tests.unit.decoding import accepted, reason


def _profile(**attributes: Any) -> dict[str, Any]:
    return cloud_event("profile", profile_data("3201"), **attributes)


# --- numbers and strings are not coerced into each other -------------------------------------


def _training(hours: Any) -> dict[str, Any]:
    return cloud_event("training", training_data("T-1", hours))


def _performance(**changes: Any) -> dict[str, Any]:
    data = {"record_id": "P-2024", "year": 2024, "score": 92} | changes
    return cloud_event("performance", data, source="ekinerja")


@pytest.mark.parametrize(
    ("hours", "kept"), [(10, 10), (10.5, 10.5), (1e1, 10), (0, 0), (10000, 10000)]
)
def test_training_hours_written_as_a_json_number_are_accepted(hours: Any, kept: object) -> None:
    values = accepted(_training(hours)).values
    assert values is not None
    assert values["hours"] == kept


@pytest.mark.parametrize(
    "hours", ["10", "10.5", "ten", True, False, None, [10], -1, 10000.5], ids=repr
)
def test_training_hours_not_a_json_number_in_range_are_invalid(hours: Any) -> None:
    assert reason(_training(hours)) == "invalid_event"


@pytest.mark.parametrize(
    ("changes", "score"),
    [
        ({"score": 92}, 92),
        ({"score": 92.5}, 92.5),
        ({"score": 100.0}, 100),
        ({"score": None, "predicate": "BAIK"}, None),
    ],
)
def test_a_score_written_as_a_json_number_or_null_is_accepted(
    changes: dict[str, Any], score: float | None
) -> None:
    values = accepted(_performance(**changes)).values
    assert values is not None
    assert values["score"] == score


@pytest.mark.parametrize(
    "changes",
    [
        {"score": "92"},
        {"score": True},
        {"score": 100.5},
        {"year": "2024"},
        {"year": 2024.0},
        {"year": 2024.5},
        {"year": True},
        {"year": None},
        {"predicate": "baik"},
        {"predicate": 1},
    ],
    ids=repr,
)
def test_a_performance_field_of_the_wrong_json_type_is_invalid(changes: dict[str, Any]) -> None:
    assert reason(_performance(**changes)) == "invalid_event"


@pytest.mark.parametrize("sequence", [0, 5, 2**63 - 1, None])
def test_a_sequence_written_as_a_json_integer_or_null_is_accepted(sequence: int | None) -> None:
    assert accepted(_profile(sequence=sequence)).sequence == sequence


@pytest.mark.parametrize("sequence", ["5", 5.0, 5.5, True, 2**63, -1, [5]], ids=repr)
def test_a_sequence_not_a_json_integer_in_range_is_invalid(sequence: Any) -> None:
    assert reason(_profile(sequence=sequence)) == "invalid_event"


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("specversion", 1.0),
        ("specversion", "1"),
        ("id", 7),
        ("source", None),
        ("data", [profile_data("3201")]),
        ("data", "profile"),
    ],
    ids=repr,
)
def test_an_envelope_attribute_of_the_wrong_json_type_is_invalid(
    attribute: str, value: Any
) -> None:
    assert reason(_profile() | {attribute: value}) == "invalid_event"


@pytest.mark.parametrize(
    ("field", "value"),
    [("gender", "f"), ("gender", "F "), ("status", "Active"), ("employee_type", 1)],
    ids=repr,
)
def test_an_enumerated_value_must_match_exactly(field: str, value: Any) -> None:
    data = profile_data("3201") | {field: value}
    assert reason(cloud_event("profile", data)) == "invalid_event"


def test_a_subject_written_as_a_number_is_invalid() -> None:
    assert reason(_profile(subject=int(NIP))) == "invalid_event"


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("datacontenttype", "application/json"),
        ("datacontenttype", "text/plain"),
        ("dataschema", 5),
        ("traceparent", None),
        ("bknregion", {"nested": [1, 2.5, None]}),
    ],
    ids=repr,
)
def test_other_cloudevents_attributes_are_ignored_whatever_their_value(
    attribute: str, value: Any
) -> None:
    assert accepted(_profile(**{attribute: value})) == accepted(_profile())


def test_optional_fields_may_be_null() -> None:
    data = {
        "record_id": "D-1",
        "level": "light",
        "decree_number": "800/1",
        "start_date": "2023-02-01",
        "end_date": None,
    }
    values = accepted(cloud_event("discipline", data)).values
    assert values is not None
    assert values["end_date"] is None
    position = {"position_type": "pelaksana", "position_name": "A", "echelon": None}
    assert accepted(cloud_event("position", position | {"tmt": "2020-01-01"})).values
