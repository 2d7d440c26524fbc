"""A data steward's overrides (contracts §7) through decode(): signed steward events become
statements with actor, reason and released; everything else about them is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from consumers.changes import decode
from schemas.dead_letter import Rejection
from schemas.signature import SIGNATURE_HEADER, SourceSecrets, sign
from tests.factories import BKN_8_2019, NIP, cloud_event, encoded
from tests.unit.test_decode import DATA
from worker.domain.model import HISTORY_KINDS, KINDS, Kind, Statement

KEY = NIP.encode()
STEWARD_SECRET = b"steward-secret-for-tests"
SECRETS = SourceSecrets({"steward": STEWARD_SECRET})
ACTOR = "Rina Wulandari (BKPSDM 3201)"
REASON = "Ijazah S2 diverifikasi dengan universitas; SIMPEG keliru"
TIME = "2025-04-01T10:00:00+07:00"


def steward_event(
    kind: str, op: str, data: dict[str, Any] | None, **attributes: Any
) -> dict[str, Any]:
    given = {"actor": ACTOR, **attributes}
    return cloud_event(kind, data, op=op, source="steward", event_id="st-1", time=TIME, **given)


def with_reason(data: dict[str, Any], reason: str = REASON) -> dict[str, Any]:
    return {**data, "reason": reason}


def record_ref(kind: str) -> dict[str, Any]:
    return {"record_id": DATA[kind]["record_id"]} if kind in HISTORY_KINDS else {}


def signed(
    event: dict[str, Any], secrets: SourceSecrets | None = SECRETS, key: bytes = KEY
) -> Statement | Rejection:
    """decode() of the event as the steward's tools send it: signed with the steward secret."""
    value = encoded(event)
    headers = [(SIGNATURE_HEADER, sign(STEWARD_SECRET, value).encode())]
    return decode(key, value, BKN_8_2019, headers, secrets)


def accepted(event: dict[str, Any]) -> Statement:
    result = signed(event)
    assert isinstance(result, Statement), result
    return result


def refused(event: dict[str, Any], secrets: SourceSecrets | None = SECRETS) -> Rejection:
    result = signed(event, secrets)
    assert isinstance(result, Rejection), result
    return result


def upstream_values(kind: str) -> Any:
    """The values the same data gives from an upstream system."""
    sender = "ekinerja" if kind == "performance" else "siasn"
    result = decode(KEY, encoded(cloud_event(kind, DATA[kind], source=sender)), BKN_8_2019)
    assert isinstance(result, Statement), result
    return result.values


# --- statements ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_steward_upsert_is_a_statement_with_actor_and_reason_and_values_without_the_reason(
    kind: Kind,
) -> None:
    statement = accepted(steward_event(kind, "upserted", with_reason(DATA[kind])))

    assert statement == Statement(
        nip=NIP,
        source="steward",
        kind=kind,
        record_id=DATA[kind].get("record_id"),
        event_id="st-1",
        time=datetime(2025, 4, 1, 3, 0, tzinfo=UTC),
        sequence=None,
        values=upstream_values(kind),
        actor=ACTOR,
        reason=REASON,
        released=False,
    )
    assert statement.values is not None
    assert "reason" not in statement.values


@pytest.mark.parametrize("kind", KINDS)
def test_a_steward_delete_pins_the_absence_with_actor_and_reason(kind: Kind) -> None:
    statement = accepted(steward_event(kind, "deleted", with_reason(record_ref(kind))))

    assert (statement.kind, statement.record_id) == (kind, DATA[kind].get("record_id"))
    assert (statement.values, statement.released) == (None, False)
    assert (statement.actor, statement.reason) == (ACTOR, REASON)


@pytest.mark.parametrize("kind", KINDS)
def test_a_steward_release_is_a_released_statement_without_values(kind: Kind) -> None:
    statement = accepted(steward_event(kind, "released", with_reason(record_ref(kind))))

    assert (statement.source, statement.kind) == ("steward", kind)
    assert statement.record_id == DATA[kind].get("record_id")
    assert (statement.values, statement.released) == (None, True)
    assert (statement.actor, statement.reason) == (ACTOR, REASON)


def test_an_upstream_event_with_an_actor_and_a_reason_decodes_as_without_them() -> None:
    plain = cloud_event("education", DATA["education"])
    extra = cloud_event("education", with_reason(DATA["education"], ""), actor=17)

    assert decode(KEY, encoded(extra), BKN_8_2019) == decode(KEY, encoded(plain), BKN_8_2019)
    statement = decode(KEY, encoded(extra), BKN_8_2019)
    assert isinstance(statement, Statement)
    assert (statement.actor, statement.reason, statement.released) == (None, None, False)


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["siasn", "ekinerja", "simpeg:3201"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_release_from_any_other_source_is_not_authorised(kind: Kind, source: str) -> None:
    event = cloud_event(kind, with_reason(record_ref(kind)), op="released", source=source)

    result = decode(KEY, encoded(event), BKN_8_2019)

    assert result == Rejection(
        "not_authorised", "only the steward may release a record", source, kind
    )


@pytest.mark.parametrize("op", ["upserted", "deleted", "released"])
def test_steward_events_without_a_steward_secret_are_not_authorised(op: str) -> None:
    data = with_reason(DATA["education"] if op == "upserted" else record_ref("education"))
    event = steward_event("education", op, data)
    other_sources_only = SourceSecrets({"siasn": b"siasn-secret"})

    for secrets in (None, SourceSecrets(), other_sources_only):
        assert refused(event, secrets) == Rejection(
            "not_authorised",
            "steward events need a steward secret (IPASN_SOURCE_SECRETS_FILE)",
            "steward",
            "education",
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.pop("actor"), "actor"),
        (lambda e: e.update(actor=""), "actor"),
        (lambda e: e.update(actor="   "), "actor"),
        (lambda e: e.update(actor="a" * 201), "actor"),
        (lambda e: e.update(actor="Rina\nWulandari"), "actor"),
        (lambda e: e.update(actor=42), "actor"),
        (lambda e: e["data"].pop("reason"), "data.reason"),
        (lambda e: e["data"].update(reason=""), "data.reason"),
        (lambda e: e["data"].update(reason=" \t "), "data.reason"),
        (lambda e: e["data"].update(reason="r" * 1001), "data.reason"),
        (lambda e: e["data"].update(reason="why\x00"), "data.reason"),
        (lambda e: e["data"].update(reason=["why"]), "data.reason"),
    ],
)
def test_a_steward_event_needs_an_actor_and_a_reason(change: Any, field: str) -> None:
    event = steward_event("education", "upserted", with_reason(DATA["education"]))
    change(event)

    rejection = refused(event)

    assert (rejection.reason, rejection.source, rejection.kind) == (
        "invalid_event",
        "steward",
        "education",
    )
    assert rejection.detail.startswith(f"{field}:"), rejection.detail


def test_a_reason_of_a_thousand_characters_is_accepted() -> None:
    event = steward_event("education", "upserted", with_reason(DATA["education"], "r" * 1000))

    assert accepted(event).reason == "r" * 1000


def test_a_steward_release_of_a_history_record_needs_its_record_id() -> None:
    event = steward_event("training", "released", with_reason({}))

    rejection = refused(event)

    assert (rejection.reason, rejection.detail) == (
        "invalid_event",
        "data.record_id: Field required",
    )


def test_a_steward_upsert_is_validated_as_strictly_as_any_other() -> None:
    event = steward_event("performance", "upserted", with_reason({**DATA["performance"]}))
    event["data"]["year"] = "2024"

    rejection = refused(event)

    assert (rejection.reason, rejection.detail) == (
        "invalid_event",
        "data.year: Input should be a valid integer",
    )


def test_a_steward_event_of_an_unknown_type_is_unknown_type() -> None:
    event = steward_event("salary", "released", with_reason({}))

    assert refused(event).reason == "unknown_type"


def test_a_steward_event_with_a_bad_nip_or_key_is_refused_as_any_other() -> None:
    bad_nip = steward_event("profile", "released", with_reason({}), subject="1987")
    assert refused(bad_nip).reason == "bad_nip"
    other_key = signed(steward_event("profile", "released", with_reason({})), key=b"x")
    assert isinstance(other_key, Rejection)
    assert other_key.reason == "key_mismatch"


def test_the_steward_may_send_every_kind_even_a_regional_agencys_profile() -> None:
    data = with_reason({**DATA["profile"], "agency_code": "7317"})

    assert accepted(steward_event("profile", "upserted", data)).values == {
        **upstream_values("profile"),
        "agency_code": "7317",
    }
