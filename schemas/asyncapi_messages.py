"""The messages of schemas/asyncapi.yaml (schemas/asyncapi.py): what each topic's messages hold,
their keys and headers, and the CloudEvents trait they share."""

from __future__ import annotations

from typing import Any, Final

from schemas import dead_letter
from schemas.signature import SIGNATURE_HEADER
from schemas.wire import AGENCY_CODE

CLOUDEVENTS_JSON: Final = "application/cloudevents+json"
KAFKA_BINDING: Final = "0.5.0"
NIP_KEY: Final = "^[0-9]{14}[12][0-9]{3}$"
CONTENT_TYPE_HEADER: Final = "content-type"  # set by producers/outbox.py; a test compares


def ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(path)}


CLOUD_EVENT_TRAIT: Final = {
    "contentType": CLOUDEVENTS_JSON,
    "description": (
        "A CloudEvents 1.0 event in structured content mode (the CloudEvents Kafka protocol"
        " binding): the message value is one JSON object holding the attributes `specversion`"
        " (1.0), `id`, `source`, `type`, `subject` (the NIP, or the agency code for agency"
        " figures), `time` (RFC 3339), `sequence` (optional, inbound only), `actor` (steward"
        " events only), `datacontenttype` (application/json, on the worker's events) and the"
        " event in `data`; other attributes are ignored inbound. `(source, id)` identifies an"
        " event: a repeat is harmless. The worker sets the"
        f" header `content-type: {CLOUDEVENTS_JSON}` on the events it publishes; of an event's"
        " headers it reads only `ipasn-signature`."
    ),
    "externalDocs": {
        "description": "CloudEvents Kafka protocol binding, structured content mode",
        "url": "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md#33-structured-content-mode",
    },
}


def kafka_key(schema: dict[str, Any]) -> dict[str, Any]:
    return {"kafka": {"key": schema, "bindingVersion": KAFKA_BINDING}}


NIP: Final = {
    "type": "string",
    "pattern": NIP_KEY,
    "description": (
        "the NIP in UTF-8: 18 digits (birth date YYYYMMDD, TMT CPNS YYYYMM, gender digit 1 or 2,"
        " serial), equal to the event's subject"
    ),
}
AGENCY: Final = {
    "type": "string",
    "pattern": f"^{AGENCY_CODE}$",
    "description": "the agency code in UTF-8, equal to the event's subject and data.agency_code",
}
SIGNATURE: Final = {
    "type": "string",
    "pattern": "^sha256=[0-9a-f]{64}$",
    "description": (
        "sha256=<lowercase hex HMAC-SHA256(the source's secret, the message value bytes)>."
        " Required where the source has a secret (IPASN_SOURCE_SECRETS_FILE); missing,"
        " repeated or wrong: dead-lettered as bad_signature, as is every event of a source"
        " without a secret when IPASN_REQUIRE_SIGNATURES=true."
    ),
}
REPLAYED: Final = {
    "type": "string",
    "description": (
        "set by `ipasn-worker dlq replay` on a dead letter it sends back:"
        " <dead-letter topic>:<partition>:<offset>"
    ),
}

DEAD_LETTER_HEADERS: Final = {
    "type": "object",
    "required": [
        dead_letter.REASON,
        dead_letter.DETAIL,
        dead_letter.TOPIC,
        dead_letter.PARTITION,
        dead_letter.OFFSET,
    ],
    "properties": {
        dead_letter.REASON: {
            "type": "string",
            "enum": list(dead_letter.REASONS),
            "description": "why the message was refused: "
            + "; ".join(f"{r}: {m}" for r, m in dead_letter.MEANINGS.items()),
        },
        dead_letter.DETAIL: {
            "type": "string",
            "description": "one human-readable line saying what was wrong, no personal data",
        },
        dead_letter.TOPIC: {"type": "string", "description": "the topic the original came from"},
        dead_letter.PARTITION: {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "the original's partition, in decimal",
        },
        dead_letter.OFFSET: {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "the original's offset, in decimal",
        },
        dead_letter.VALUE_OMITTED: {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": (
                "present when the original was too large to copy whole (key, value and headers"
                " over 1 MiB less 1 KiB with these headers): the value is left out, and this is"
                " its size in bytes; the original stays on its topic at the partition and"
                " offset named"
            ),
        },
        dead_letter.HEADERS_OMITTED: {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": (
                "present when even without its value the original was too large: its own"
                " headers are left out, and this is how many there were"
            ),
        },
    },
    "additionalProperties": {
        "type": "string",
        "description": (
            "the original message's own headers follow the ipasn-dlq-* ones, unchanged (an"
            " ipasn-signature still verifies when the letter is replayed)"
        ),
    },
}


def _headers(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties} | (
        {"required": required} if required else {}
    )


OUTBOUND_HEADERS: Final = _headers(
    {CONTENT_TYPE_HEADER: {"type": "string", "const": CLOUDEVENTS_JSON}}, [CONTENT_TYPE_HEADER]
)
CLOUD_EVENT = [ref("components", "messageTraits", "cloudEvent")]


def messages() -> dict[str, Any]:
    return {
        "changeEvent": {
            "name": "changeEvent",
            "title": "Personnel change event",
            "summary": (
                "One change to an employee's profile, position, education, training,"
                " performance or discipline record (contracts §1)."
            ),
            "description": (
                "type asn.<kind>.upserted or asn.<kind>.deleted; source siasn, ekinerja or"
                " simpeg:<agency_code>. JSON Schema: schemas/json/change-event.schema.json."
                " Unknown attributes and data fields are ignored; anything else invalid is"
                " dead-lettered, never dropped."
            ),
            "headers": _headers(
                {SIGNATURE_HEADER: SIGNATURE, dead_letter.REPLAYED_FROM: REPLAYED}, []
            ),
            "payload": ref("components", "schemas", "ChangeEvent"),
            "bindings": kafka_key(NIP),
            "traits": CLOUD_EVENT,
        },
        "stewardEvent": {
            "name": "stewardEvent",
            "title": "Data steward's override",
            "summary": (
                "A change event from source steward that settles a conflict (contracts §7)."
            ),
            "description": (
                "type asn.<kind>.upserted pins the values, asn.<kind>.deleted the absence,"
                " asn.<kind>.released ends the pin; the extension attribute actor says who"
                " decided and data.reason why. Accepted only signed with the steward's secret."
                " Sent by `ipasn-worker override`. JSON Schema:"
                " schemas/json/steward-event.schema.json."
            ),
            "headers": _headers(
                {SIGNATURE_HEADER: SIGNATURE, dead_letter.REPLAYED_FROM: REPLAYED},
                [SIGNATURE_HEADER],
            ),
            "payload": ref("components", "schemas", "StewardEvent"),
            "bindings": kafka_key(NIP),
            "traits": CLOUD_EVENT,
        },
        "indexRecalculated": {
            "name": "asn.ipasn.recalculated",
            "title": "Index recalculated",
            "summary": "A new revision of an employee's index (contracts §4).",
            "description": (
                "id <nip>:<year>:<rule_version>:<revision>; revisions 1, 2, ... per NIP,"
                " measurement year and rule version. Published only when the score, the band or"
                " a dimension changed; score, band and dimensions null: the index was withdrawn."
                " JSON Schema: schemas/json/ipasn-recalculated.schema.json."
            ),
            "headers": OUTBOUND_HEADERS,
            "payload": ref("components", "schemas", "IndexRecalculated"),
            "bindings": kafka_key(NIP),
            "traits": CLOUD_EVENT,
        },
        "personnelReconciled": {
            "name": "asn.personnel.reconciled",
            "title": "Personnel reconciled",
            "summary": "A full snapshot of an employee's reconciled records (contracts §6).",
            "description": (
                "id <nip>:reconciled:<version>; versions 1, 2, ... per NIP. Each record with the"
                " source, event and time it comes from, and the employee's open conflicts."
                " Published when a record appears or disappears, its values change or its"
                " source changes. JSON Schema: schemas/json/personnel-reconciled.schema.json."
            ),
            "headers": OUTBOUND_HEADERS,
            "payload": ref("components", "schemas", "PersonnelReconciled"),
            "bindings": kafka_key(NIP),
            "traits": CLOUD_EVENT,
        },
        "agencyRecalculated": {
            "name": "asn.ipasn.agency.recalculated",
            "title": "Agency figures recalculated",
            "summary": "One agency's figures for a measurement year and rule version (§10).",
            "description": (
                "id <agency_code>:<year>:<rule_version>:<version>: the employees with an index,"
                " their mean score (two decimals, half up) and the count per band. Published at"
                " most once per agency per batch, when the figures change. JSON Schema:"
                " schemas/json/agency-recalculated.schema.json."
            ),
            "headers": OUTBOUND_HEADERS,
            "payload": ref("components", "schemas", "AgencyRecalculated"),
            "bindings": kafka_key(AGENCY),
            "traits": CLOUD_EVENT,
        },
        "deadLetter": {
            "name": "deadLetter",
            "title": "Dead letter",
            "summary": "An input message the worker refused, with the reason (contracts §1).",
            "description": (
                "The original key and value bytes, unchanged, whatever they were (not"
                " necessarily JSON); the reason and origin in the ipasn-dlq-* headers."
            ),
            "contentType": "application/octet-stream",
            "headers": DEAD_LETTER_HEADERS,
            "payload": {
                "description": (
                    "the original message's value bytes, unchanged; absent where"
                    f" {dead_letter.VALUE_OMITTED} is set"
                )
            },
            "bindings": kafka_key(
                {"description": "the original message's key bytes, unchanged, or none"}
            ),
        },
    }
