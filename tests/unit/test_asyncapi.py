"""schemas/asyncapi.yaml: generated from the models, in step with the settings, the producers and
the dead-letter headers, and its embedded payloads judging events as the JSON Schemas do."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator

from consumers.changes import decode
from producers.outbox import HEADERS
from schemas import dead_letter, topics
from schemas.asyncapi_examples import STEWARD_SECRET
from schemas.asyncapi_messages import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER
from schemas.dead_letter import Rejection
from schemas.generate import ASYNCAPI, OUT, documents, rendered_asyncapi
from schemas.signature import SourceSecrets
from tests.factories import BKN_8_2019, NIP, cloud_event, profile_data, training_data
from worker.config.settings import Settings
from worker.domain.model import Statement

DOCUMENT: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))


def test_committed_asyncapi_document_matches_the_models() -> None:
    committed = ASYNCAPI.read_text(encoding="utf-8")
    assert committed == rendered_asyncapi(), (
        "asyncapi.yaml is stale: run python -m schemas.generate"
    )


def test_generating_twice_gives_the_same_text() -> None:
    assert rendered_asyncapi() == rendered_asyncapi()


def test_the_channels_are_the_five_topics_named_by_the_settings_defaults_and_agency_copies() -> (
    None
):
    fields = Settings.model_fields
    RECALCULATED, RECONCILED = fields["output_topic"].default, fields["reconciled_topic"].default
    defaults = {
        *fields["input_topics"].default,
        fields["output_topic"].default,
        fields["dlq_topic"].default,
        fields["reconciled_topic"].default,
        fields["agency_topic"].default,
    }
    addresses = {c["address"] for c in DOCUMENT["channels"].values()}
    # And each agency's own copy of the per-employee outputs (contracts §15).
    copies = {topics.agency_topic(t, "{agency_code}") for t in (RECALCULATED, RECONCILED)}
    assert addresses == defaults | copies
    assert defaults == set(topics.CONFIGS)
    for channel in DOCUMENT["channels"].values():
        if channel["address"] in copies:
            assert set(channel["parameters"]) == {"agency_code"}
    assert fields["consumer_group"].default == topics.CONSUMER_GROUP


def _topic_configuration(address: str) -> dict[str, Any]:
    [channel] = [c for c in DOCUMENT["channels"].values() if c["address"] == address]
    return dict(channel.get("bindings", {}).get("kafka", {}).get("topicConfiguration", {}))


def test_snapshots_and_agency_figures_are_compacted_and_dead_letters_kept_30_days() -> None:
    assert _topic_configuration(topics.RECONCILED) == {"cleanup.policy": ["compact"]}
    assert _topic_configuration(topics.AGENCY) == {"cleanup.policy": ["compact"]}
    assert _topic_configuration(topics.DEAD_LETTERS) == {"retention.ms": 30 * 24 * 3600 * 1000}
    assert _topic_configuration(topics.CHANGES) == {}
    assert _topic_configuration(topics.RECALCULATED) == {}
    assert _topic_configuration(f"{topics.RECONCILED}.{{agency_code}}") == {
        "cleanup.policy": ["compact"]
    }
    assert _topic_configuration(f"{topics.RECALCULATED}.{{agency_code}}") == {}


def test_the_worker_receives_the_input_and_sends_every_output() -> None:
    by_channel: dict[str, set[str]] = {}
    for o in DOCUMENT["operations"].values():
        by_channel.setdefault(o["channel"]["$ref"].removeprefix("#/channels/"), set()).add(
            o["action"]
        )
    assert by_channel == {
        "personnelChanges": {"receive"},
        "indexRecalculated": {"send"},
        "personnelReconciled": {"send"},
        "agencyRecalculated": {"send"},
        "deadLetters": {"send", "receive"},  # receive: `dlq replay`
        "agencyIndexRecalculated": {"send"},
        "agencyPersonnelReconciled": {"send"},
    }


def _message(name: str) -> dict[str, Any]:
    return dict(DOCUMENT["components"]["messages"][name])


def test_keys_are_the_nip_and_for_agency_figures_the_agency_code() -> None:
    for name in ("changeEvent", "stewardEvent", "indexRecalculated", "personnelReconciled"):
        key = _message(name)["bindings"]["kafka"]["key"]
        assert key["pattern"] == "^[0-9]{14}[12][0-9]{3}$", name
    agency = _message("agencyRecalculated")["bindings"]["kafka"]["key"]
    assert agency["pattern"] == "^[0-9A-Za-z]{1,40}$"


def test_outbound_messages_carry_the_content_type_header_the_relay_sets() -> None:
    assert [(CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON.encode())] == HEADERS
    for name in ("indexRecalculated", "personnelReconciled", "agencyRecalculated"):
        header = _message(name)["headers"]["properties"][CONTENT_TYPE_HEADER]
        assert header["const"] == CLOUDEVENTS_JSON, name


def test_steward_events_must_be_signed_and_change_events_may_be() -> None:
    assert _message("stewardEvent")["headers"]["required"] == ["ipasn-signature"]
    change = _message("changeEvent")["headers"]
    assert "ipasn-signature" in change["properties"]
    assert "required" not in change


def test_dead_letters_document_every_ipasn_dlq_header_and_reason() -> None:
    constants = {
        value
        for name, value in vars(dead_letter).items()
        if name.isupper()
        and isinstance(value, str)
        and value.startswith(dead_letter.PREFIX)
        and value != dead_letter.PREFIX
    }
    headers = _message("deadLetter")["headers"]
    assert set(headers["properties"]) == constants
    assert headers["properties"][dead_letter.REASON]["enum"] == list(dead_letter.REASONS)
    assert set(dead_letter.MEANINGS) == set(dead_letter.REASONS)
    for reason, meaning in dead_letter.MEANINGS.items():
        assert f"{reason}: {meaning}" in headers["properties"][dead_letter.REASON]["description"]


def test_every_message_is_a_cloud_event_but_the_dead_letter() -> None:
    trait = {"$ref": "#/components/messageTraits/cloudEvent"}
    for name, message in DOCUMENT["components"]["messages"].items():
        assert (message.get("traits") == [trait]) == (name != "deadLetter"), name
    assert DOCUMENT["components"]["messageTraits"]["cloudEvent"]["contentType"] == CLOUDEVENTS_JSON


# Events the JSON Schemas accept and refuse; the embedded payloads must judge each alike.
CHANGE_EVENTS = [
    cloud_event("profile", profile_data()),
    cloud_event("training", training_data(), source="simpeg:3201", sequence=4),
    cloud_event("training", {"record_id": "T-1"}, op="deleted"),
    cloud_event("training", training_data(hours="10")),  # hours is a JSON number
    cloud_event("profile", profile_data(agency_code="32-01")),
    cloud_event("profile", profile_data(), specversion="0.3"),
    cloud_event("profile", profile_data(), source="steward"),
    cloud_event("profile", None),
    {k: v for k, v in cloud_event("profile", profile_data()).items() if k != "subject"},
]
STEWARD_EVENTS = [
    cloud_event("profile", {**profile_data(), "reason": "KTP"}, source="steward", actor="ani"),
    cloud_event("profile", {"reason": "duplicate"}, op="released", source="steward", actor="a"),
    cloud_event("profile", {**profile_data(), "reason": "KTP"}, source="steward"),  # no actor
    cloud_event("profile", {"reason": "x"}, op="released", source="siasn", actor="ani"),
]


def _embedded(name: str) -> Draft7Validator:
    root = {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    return Draft7Validator(root)


def _verdicts(validator: Any, events: list[dict[str, Any]]) -> list[bool]:
    return [validator.is_valid(e) for e in events]


@pytest.mark.parametrize(
    ("file", "name", "events", "expected"),
    [
        ("change-event.schema.json", "ChangeEvent", CHANGE_EVENTS, [True] * 3 + [False] * 6),
        ("steward-event.schema.json", "StewardEvent", STEWARD_EVENTS, [True, True, False, False]),
    ],
)
def test_embedded_payloads_accept_and_refuse_as_the_json_schemas_do(
    file: str, name: str, events: list[dict[str, Any]], expected: list[bool]
) -> None:
    committed = json.loads((OUT / file).read_text(encoding="utf-8"))
    assert _verdicts(Draft202012Validator(committed), events) == expected
    assert _verdicts(_embedded(name), events) == expected


def test_embedded_outbound_payloads_refuse_a_field_the_models_forbid() -> None:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "3201:2025:bkn-8-2019:1",
        "source": "ipasn-worker",
        "type": "asn.ipasn.agency.recalculated",
        "subject": "3201",
        "time": "2025-03-01T08:00:00Z",
        "datacontenttype": "application/json",
        "data": {
            "agency_code": "3201",
            "measurement_year": 2025,
            "rule_version": "bkn-8-2019",
            "version": 1,
            "employees": 1,
            "mean_score": 62.5,
            "bands": {
                "Sangat Tinggi": 0,
                "Tinggi": 0,
                "Sedang": 0,
                "Rendah": 1,
                "Sangat Rendah": 0,
            },
        },
    }
    extra = copy.deepcopy(event)
    extra["data"]["nip"] = NIP
    committed = Draft202012Validator(documents()["agency-recalculated.schema.json"])
    embedded = _embedded("AgencyRecalculated")
    assert [committed.is_valid(event), committed.is_valid(extra)] == [True, False]
    assert [embedded.is_valid(event), embedded.is_valid(extra)] == [True, False]


def _message_schema(message: dict[str, Any], part: str) -> Draft7Validator:
    return Draft7Validator({**message[part], "components": DOCUMENT["components"]})


def test_every_message_has_examples_its_payload_and_headers_schemas_accept() -> None:
    for name, message in DOCUMENT["components"]["messages"].items():
        assert message["examples"], name
        for example in message["examples"]:
            payload = _message_schema(message, "payload")
            assert payload.is_valid(example["payload"]), (name, example["name"])
            headers = _message_schema(message, "headers")
            assert headers.is_valid(example.get("headers", {})), (name, example["name"])


def test_the_dead_letter_example_is_what_the_worker_says_of_that_message() -> None:
    [example] = _message("deadLetter")["examples"]
    value = example["payload"].encode()
    refusal = decode(json.loads(value)["subject"].encode(), value, BKN_8_2019)
    assert isinstance(refusal, Rejection)
    headers = example["headers"]
    assert (refusal.reason, refusal.detail) == (
        headers[dead_letter.REASON],
        headers[dead_letter.DETAIL],
    )


def test_the_steward_example_is_signed_as_the_worker_checks_it() -> None:
    [example] = _message("stewardEvent")["examples"]
    value = json.dumps(example["payload"], separators=(",", ":")).encode()
    headers = [(n, v.encode()) for n, v in example["headers"].items()]
    secrets = SourceSecrets({"steward": STEWARD_SECRET})
    accepted = decode(NIP.encode(), value, BKN_8_2019, headers, secrets)
    assert isinstance(accepted, Statement), accepted
    assert decode(NIP.encode(), value + b" ", BKN_8_2019, headers, secrets) == Rejection(
        "bad_signature",
        "the ipasn-signature header does not match the value",
        "steward",
        "education",
    )
