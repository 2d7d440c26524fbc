"""The channels and operations of schemas/asyncapi.yaml (schemas/asyncapi.py): the topics, their
settings, and who sends and who receives each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from schemas import topics
from schemas.asyncapi_messages import KAFKA_BINDING, ref


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    address: str
    setting: str
    title: str
    description: str
    messages: tuple[str, ...]
    per_agency: bool = False  # `<address>.{agency_code}`: each agency's own copy (§15)


AGENCY_COPY: Final = (
    " Only with IPASN_AGENCY_OUTPUTS=true: one topic per agency, for the regional system that"
    " may read only its own staff (contracts §15). The same key, value, CloudEvents id and"
    " order per NIP as on the national topic; an employee without an agency is on none."
    " Missing at publish time, it is refused by name (the worker exits, status 2) and its"
    " events wait in the outbox; `ipasn-worker topics create --agencies FILE` makes them."
)

CHANNELS: Final = (
    Channel(
        "personnelChanges",
        topics.CHANGES,
        "IPASN_INPUT_TOPICS (comma-separated: several allowed)",
        "Personnel changes (input)",
        "Change events from the upstream systems and the data stewards. Key: the NIP, equal to"
        " the event's subject (else key_mismatch). The result does not depend on the order in"
        " which events arrive (contracts §2), and a repeated (source, id) is stored once. Every"
        " statement is kept in the worker's database (a recompute reads no topic), so the broker's"
        " default retention is enough.",
        ("changeEvent", "stewardEvent"),
    ),
    Channel(
        "indexRecalculated",
        topics.RECALCULATED,
        "IPASN_OUTPUT_TOPIC",
        "Index recalculated (output)",
        "Each change of an employee's index. Key: the NIP, so one employee's revisions share a"
        " partition and arrive in order. A repeat after a crash carries the same id.",
        ("indexRecalculated",),
    ),
    Channel(
        "personnelReconciled",
        topics.RECONCILED,
        "IPASN_RECONCILED_TOPIC",
        "Personnel reconciled (output, compacted)",
        "Each employee's reconciled records, a full snapshot whenever they change, for the"
        " national and regional systems to overwrite their copies. Key: the NIP, in order per"
        " NIP. Compacted: the latest snapshot of each NIP stays.",
        ("personnelReconciled",),
    ),
    Channel(
        "agencyRecalculated",
        topics.AGENCY,
        "IPASN_AGENCY_TOPIC",
        "Agency figures (output, compacted)",
        "Each agency's index figures whenever they change. Key: the agency code, in order per"
        " agency. Compacted: the latest event of each agency stays, whichever measurement year"
        " and rule version it is for.",
        ("agencyRecalculated",),
    ),
    Channel(
        "deadLetters",
        topics.DEAD_LETTERS,
        "IPASN_DLQ_TOPIC",
        "Dead letters",
        "Input messages the worker could not take: never dropped silently, never blocking a"
        " partition. Key: the original key. Kept"
        f" {topics.DEAD_LETTER_RETENTION_DAYS} days. `ipasn-worker dlq replay` sends them back"
        " to the topic they came from once the cause is fixed.",
        ("deadLetter",),
    ),
    Channel(
        "agencyIndexRecalculated",
        topics.RECALCULATED,
        "IPASN_OUTPUT_TOPIC, then . and the agency code",
        "Index recalculated, one agency's (output)",
        "Each change of the index of an agency's employees, a copy of the national topic's."
        + AGENCY_COPY
        + " An employee who moves here gets, with the first snapshot, the latest revision"
        " published on the national topic (its id and content unchanged).",
        ("indexRecalculated",),
        per_agency=True,
    ),
    Channel(
        "agencyPersonnelReconciled",
        topics.RECONCILED,
        "IPASN_RECONCILED_TOPIC, then . and the agency code",
        "Personnel reconciled, one agency's (output, compacted)",
        "The reconciled snapshots of an agency's employees, copies of the national topic's."
        + AGENCY_COPY
        + " An employee who moves to another agency gets here one last snapshot with"
        " left_agency true, the new agency_code, no records, conflicts or causes, and id"
        " <nip>:reconciled:<version>:left; then nothing more.",
        ("personnelReconciled",),
        per_agency=True,
    ),
)


def channels() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for c in CHANNELS:
        channel: dict[str, Any] = {
            "address": f"{c.address}.{{agency_code}}" if c.per_agency else c.address,
            "title": c.title,
            "description": f"{c.description} Topic name: {c.setting}.",
            "messages": {m: ref("components", "messages", m) for m in c.messages},
        }
        if c.per_agency:
            channel["parameters"] = {
                "agency_code": {"description": "The agency's code, as in the events' agency_code."}
            }
        config = topics.CONFIGS[c.address]
        if config:
            channel["bindings"] = {
                "kafka": {
                    "topicConfiguration": _topic_configuration(config),
                    "bindingVersion": KAFKA_BINDING,
                }
            }
        found[c.name] = channel
    return found


def _topic_configuration(config: Mapping[str, str]) -> dict[str, Any]:
    # The binding takes cleanup.policy as a list and the times as numbers.
    return {
        name: [value] if name == "cleanup.policy" else int(value) for name, value in config.items()
    }


Action = Literal["send", "receive"]


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    action: Action
    channel: str
    title: str
    description: str


UPSTREAM: Final = (
    "Sent by the upstream systems: SIASN (BKN, source siasn), e-Kinerja (ekinerja) and the"
    " regional personnel systems (simpeg:<agency_code>), directly or through the worker's"
    " `publish` command; and by the data stewards through `ipasn-worker override`."
)
DOWNSTREAM: Final = "Received by downstream services (national and regional systems, dashboards)."

OPERATIONS: Final = (
    Operation(
        "receiveChanges",
        "receive",
        "personnelChanges",
        "The worker receives change events",
        f"`ipasn-worker run` consumes the input as consumer group IPASN_CONSUMER_GROUP. {UPSTREAM}",
    ),
    Operation(
        "sendIndexRecalculated",
        "send",
        "indexRecalculated",
        "The worker sends index revisions",
        f"Published by `ipasn-worker run` and `ipasn-worker recompute`. {DOWNSTREAM}",
    ),
    Operation(
        "sendPersonnelReconciled",
        "send",
        "personnelReconciled",
        "The worker sends reconciled snapshots",
        f"Published by `ipasn-worker run`. {DOWNSTREAM}",
    ),
    Operation(
        "sendAgencyRecalculated",
        "send",
        "agencyRecalculated",
        "The worker sends agency figures",
        f"Published by `ipasn-worker run` and `ipasn-worker recompute`. {DOWNSTREAM}",
    ),
    Operation(
        "sendAgencyIndexRecalculated",
        "send",
        "agencyIndexRecalculated",
        "The worker sends index revisions to their agency",
        "Published by `ipasn-worker run` and `ipasn-worker recompute` with"
        " IPASN_AGENCY_OUTPUTS=true. Received by the agency's own regional system.",
    ),
    Operation(
        "sendAgencyPersonnelReconciled",
        "send",
        "agencyPersonnelReconciled",
        "The worker sends reconciled snapshots to their agency",
        "Published by `ipasn-worker run` with IPASN_AGENCY_OUTPUTS=true. Received by the"
        " agency's own regional system.",
    ),
    Operation(
        "sendDeadLetters",
        "send",
        "deadLetters",
        "The worker sends what it refused",
        "Published by `ipasn-worker run`. Received by operators and the upstream systems' teams"
        " (ipasn_dead_letters_total{reason} counts them), and by `ipasn-worker dlq replay`.",
    ),
    Operation(
        "replayDeadLetters",
        "receive",
        "deadLetters",
        "The worker replays dead letters",
        "`ipasn-worker dlq replay [--reason R]` reads the dead letters and sends them back to"
        " the input topic of their ipasn-dlq-topic header (where that is one of"
        " IPASN_INPUT_TOPICS, else the first of them): the original key, value and headers,"
        " with ipasn-replayed-from instead of the ipasn-dlq-* headers. Each reason's progress"
        " is kept as the committed offsets of consumer group"
        " <IPASN_CONSUMER_GROUP>.dlq-replay.<reason>.",
    ),
)


def operations() -> dict[str, Any]:
    by_channel = {c.name: c for c in CHANNELS}
    found: dict[str, Any] = {}
    for o in OPERATIONS:
        operation: dict[str, Any] = {
            "action": o.action,
            "channel": ref("channels", o.channel),
            "title": o.title,
            "description": o.description,
            "messages": [
                ref("channels", o.channel, "messages", m) for m in by_channel[o.channel].messages
            ],
        }
        if o.name == "receiveChanges":
            group = {"type": "string", "default": topics.CONSUMER_GROUP}
            operation["bindings"] = {"kafka": {"groupId": group, "bindingVersion": KAFKA_BINDING}}
        found[o.name] = operation
    return found
