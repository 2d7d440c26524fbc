"""decode(): message key and value bytes → a Statement, or the reason to dead-letter them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from consumers.changes import decode
from schemas.dead_letter import Rejection
from tests.factories import (
    BKN_8_2019,
    NAME,
    NIP,
    OTHER_NIP,
    cloud_event,
    encoded,
    profile_data,
    training_data,
)
from worker.domain.model import Kind, Statement

KEY = NIP.encode()

DATA: dict[str, dict[str, Any]] = {
    "profile": profile_data("3201"),
    "position": {
        "position_type": "struktural",
        "position_name": "Kepala Bidang",
        "echelon": "III.a",
        "tmt": "2021-04-01",
    },
    "education": {
        "record_id": "E-1",
        "level": "S2",
        "institution": "Universitas Indonesia",
        "graduated_on": "2020-03-01",
    },
    "training": training_data("T-1", 10),
    "performance": {"record_id": "P-2024", "year": 2024, "score": 92},
    "discipline": {
        "record_id": "D-1",
        "level": "light",
        "decree_number": "800/12/BKPSDM",
        "start_date": "2023-02-01",
        "end_date": "2023-08-01",
    },
}
SENDER: dict[str, str] = dict.fromkeys(DATA, "siasn") | {"performance": "ekinerja"}


def _decode(event: dict[str, Any], key: bytes | None = KEY) -> Statement | Rejection:
    return decode(key, encoded(event), BKN_8_2019)


def _statement(event: dict[str, Any], key: bytes | None = KEY) -> Statement:
    decoded = _decode(event, key)
    assert isinstance(decoded, Statement), decoded
    return decoded


# --- statements ------------------------------------------------------------------------------


def test_an_upsert_becomes_a_statement_with_json_values_and_no_record_id() -> None:
    event = cloud_event(
        "training",
        training_data("T-1", 10),
        event_id="ev-7",
        time="2025-03-01T15:00:00+07:00",
        sequence=3,
    )
    assert _statement(event) == Statement(
        nip=NIP,
        source="siasn",
        kind="training",
        record_id="T-1",
        event_id="ev-7",
        time=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        sequence=3,
        values={
            "category": "technical",
            "leadership_tier": None,
            "name": "Pelatihan Teknis SIASN",
            "start_date": "2025-02-03",
            "end_date": "2025-02-05",
            "hours": 10,
        },
    )


@pytest.mark.parametrize(
    ("kind", "record_id", "field", "value"),
    [
        ("profile", None, "birth_date", "1987-03-14"),
        ("position", None, "echelon", "III.a"),
        ("education", "E-1", "graduated_on", "2020-03-01"),
        ("training", "T-1", "hours", 10),
        ("performance", "P-2024", "score", 92),
        ("discipline", "D-1", "start_date", "2023-02-01"),
    ],
)
def test_every_kind_decodes_with_its_record_id_and_json_values(
    kind: Kind, record_id: str | None, field: str, value: object
) -> None:
    decoded = _statement(cloud_event(kind, DATA[kind], source=SENDER[kind]))
    assert (decoded.kind, decoded.record_id) == (kind, record_id)
    assert decoded.values is not None
    assert decoded.values[field] == value
    assert "record_id" not in decoded.values


@pytest.mark.parametrize(
    ("hours", "kept"), [(10, 10), (10.5, 10.5), (10.0, 10), (0.25, 0.25), (0, 0)]
)
def test_training_hours_stay_the_json_number_they_came_as(hours: int | float, kept: object) -> None:
    # 10 and 10.0 are one number: two sources writing them differently agree.
    decoded = _statement(cloud_event("training", training_data("T-1", hours)))
    assert decoded.values is not None
    assert decoded.values["hours"] == kept
    assert type(decoded.values["hours"]) is type(kept)


@pytest.mark.parametrize("kind", ["education", "training", "performance", "discipline"])
def test_a_history_delete_keeps_the_record_id_and_has_no_values(kind: Kind) -> None:
    decoded = _statement(
        cloud_event(kind, {"record_id": "R-9"}, op="deleted", source=SENDER[kind], sequence=4)
    )
    assert (decoded.kind, decoded.record_id, decoded.values, decoded.sequence) == (
        kind,
        "R-9",
        None,
        4,
    )


@pytest.mark.parametrize("kind", ["profile", "position"])
@pytest.mark.parametrize("data", [None, {}])
def test_a_profile_or_position_delete_needs_no_data(
    kind: Kind, data: dict[str, Any] | None
) -> None:
    decoded = _statement(cloud_event(kind, data, op="deleted"))
    assert (decoded.kind, decoded.record_id, decoded.values) == (kind, None, None)


def test_a_regional_profile_of_its_own_agency_is_accepted() -> None:
    decoded = _statement(cloud_event("profile", profile_data("3201"), source="simpeg:3201"))
    assert decoded.source == "simpeg:3201"


def test_unknown_data_fields_are_ignored() -> None:
    plain = _statement(cloud_event("education", DATA["education"]))
    grown = _statement(
        cloud_event(
            "education", {**DATA["education"], "golongan": "III/c", "akreditasi": {"nilai": "A"}}
        )
    )
    assert grown == plain


def test_unknown_cloudevents_attributes_are_ignored() -> None:
    plain = _statement(cloud_event("education", DATA["education"]))
    grown = _statement(
        cloud_event(
            "education",
            DATA["education"],
            datacontenttype="application/json",
            dataschema="https://siasn.bkn.go.id/schemas/education.json",
            traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            bknregion="IV",
        )
    )
    assert grown == plain


# --- dead letters ----------------------------------------------------------------------------

VALID = cloud_event("profile", profile_data("3201"))


def _without(event: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != field}


def _with_data(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**event, "data": {**event["data"], **changes}}


# (case, key, value bytes, expected reason)
REJECTIONS: list[tuple[str, bytes | None, bytes | None, str]] = [
    ("plain text", KEY, b"not json", "not_json"),
    ("not UTF-8", KEY, b"\xff\xfe{}", "not_json"),
    ("no value", KEY, None, "not_json"),
    ("empty value", KEY, b"", "not_json"),
    ("a JSON array", KEY, b"[1, 2]", "invalid_event"),
    ("a JSON string", KEY, f'"{NIP} {NAME}"'.encode(), "invalid_event"),
    ("no id", KEY, encoded(_without(VALID, "id")), "invalid_event"),
    ("no time", KEY, encoded(_without(VALID, "time")), "invalid_event"),
    (
        "time without offset",
        KEY,
        encoded({**VALID, "time": "2025-03-01T08:00:00"}),
        "invalid_event",
    ),
    ("specversion 0.3", KEY, encoded({**VALID, "specversion": "0.3"}), "invalid_event"),
    ("unknown source", KEY, encoded({**VALID, "source": "bkd"}), "invalid_event"),
    ("negative sequence", KEY, encoded({**VALID, "sequence": -1}), "invalid_event"),
    ("upsert without data", KEY, encoded(_without(VALID, "data")), "invalid_event"),
    (
        "data field missing",
        KEY,
        encoded({**VALID, "data": _without(VALID["data"], "gender")}),
        "invalid_event",
    ),
    ("data field of the wrong type", KEY, encoded(_with_data(VALID, gender=NAME)), "invalid_event"),
    ("name too long", KEY, encoded(_with_data(VALID, name=NAME * 30)), "invalid_event"),
    ("birth date not a date", KEY, encoded(_with_data(VALID, birth_date=NIP)), "invalid_event"),
    (
        "hours not a number",
        KEY,
        encoded(cloud_event("training", training_data("T-1", "ten"))),
        "invalid_event",
    ),
    (
        "history delete without record_id",
        KEY,
        encoded(cloud_event("education", {}, op="deleted")),
        "invalid_event",
    ),
    (
        "echelon on a pelaksana post",
        KEY,
        encoded(cloud_event("position", {**DATA["position"], "position_type": "pelaksana"})),
        "invalid_event",
    ),
    ("unknown kind", KEY, encoded({**VALID, "type": "asn.salary.upserted"}), "unknown_type"),
    ("unknown operation", KEY, encoded({**VALID, "type": "asn.profile.created"}), "unknown_type"),
    ("no type", KEY, encoded(_without(VALID, "type")), "invalid_event"),
    ("type not a string", KEY, encoded({**VALID, "type": 42}), "invalid_event"),
    ("subject too short", KEY, encoded({**VALID, "subject": NIP[:17]}), "bad_nip"),
    (
        "subject with a bad birth date",
        KEY,
        encoded({**VALID, "subject": "198702302010121001"}),
        "bad_nip",
    ),
    (
        "subject with gender digit 3",
        KEY,
        encoded({**VALID, "subject": "198703142010123001"}),
        "bad_nip",
    ),
    ("no subject", KEY, encoded(_without(VALID, "subject")), "invalid_event"),
    ("key of another employee", OTHER_NIP.encode(), encoded(VALID), "key_mismatch"),
    ("no key", None, encoded(VALID), "key_mismatch"),
    ("empty key", b"", encoded(VALID), "key_mismatch"),
    (
        "ekinerja sending a profile",
        KEY,
        encoded(cloud_event("profile", profile_data(), source="ekinerja")),
        "not_authorised",
    ),
    (
        "ekinerja deleting a profile",
        KEY,
        encoded(cloud_event("profile", None, op="deleted", source="ekinerja")),
        "not_authorised",
    ),
    (
        "ekinerja sending a position",
        KEY,
        encoded(cloud_event("position", DATA["position"], source="ekinerja")),
        "not_authorised",
    ),
    (
        "ekinerja sending education",
        KEY,
        encoded(cloud_event("education", DATA["education"], source="ekinerja")),
        "not_authorised",
    ),
    (
        "simpeg profile of another agency",
        KEY,
        encoded(cloud_event("profile", profile_data("7317"), source="simpeg:3201")),
        "not_authorised",
    ),
]


@pytest.mark.parametrize(
    ("case", "key", "value", "reason"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_invalid_input_is_rejected_with_its_dead_letter_reason(
    case: str, key: bytes | None, value: bytes | None, reason: str
) -> None:
    decoded = decode(key, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert decoded.reason == reason


@pytest.mark.parametrize(
    ("case", "key", "value", "reason"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_a_rejection_detail_is_one_line_without_the_nip_or_the_name(
    case: str, key: bytes | None, value: bytes | None, reason: str
) -> None:
    decoded = decode(key, value, BKN_8_2019)
    assert isinstance(decoded, Rejection)
    assert decoded.detail
    assert "\n" not in decoded.detail
    for personal in (
        NIP,
        OTHER_NIP,
        NIP[:17],
        "198702302010121001",
        "198703142010123001",
        NAME,
        "1987-03-14",
    ):
        assert personal not in decoded.detail


@pytest.mark.parametrize(
    ("event", "source", "kind"),
    [
        (cloud_event("profile", profile_data(), source="ekinerja"), "ekinerja", "profile"),
        (
            cloud_event("profile", profile_data("7317"), source="simpeg:3201"),
            "simpeg:3201",
            "profile",
        ),
    ],
)
def test_a_refused_source_is_named_in_the_rejection(
    event: dict[str, Any], source: str, kind: str
) -> None:
    decoded = _decode(event)
    assert isinstance(decoded, Rejection)
    assert (decoded.reason, decoded.source, decoded.kind) == ("not_authorised", source, kind)
