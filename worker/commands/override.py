"""`ipasn-worker override`: a data steward's signed override (contracts §7) onto the input topic.

The event is checked by the worker's own decode(), signature included, before anything is
sent, so a bad override is one line and exit 2 here instead of a dead letter later.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from consumers.changes import decode
from schemas.dead_letter import Rejection
from schemas.rules import load_rules
from schemas.signature import SIGNATURE_HEADER, sign
from worker.bootstrap import bootstrap
from worker.commands.arguments import kafka_flags
from worker.config.secrets import signing_secrets
from worker.config.settings import Settings
from worker.domain.model import HISTORY_KINDS, KINDS
from worker.domain.rules import STEWARD
from worker.kafka import clients

DESCRIPTION = """\
Publish a data steward's override: a change event from source `steward`, signed with the
steward's secret from IPASN_SOURCE_SECRETS_FILE, keyed by the NIP, onto the first of
IPASN_INPUT_TOPICS. --values pins the record's values (a JSON object of the kind's fields,
without record_id), --delete pins its absence, --release ends the steward's pin so that the
sources decide again. The steward outranks every source for every kind. Prints the event id.

Exit status: 0 published, 2 a bad argument or setting, or an override the worker would refuse
(nothing is published then), 1 a broker failure."""


class OverrideError(ValueError):
    """An override that cannot be built; the message is one line."""


def arguments(override: argparse.ArgumentParser) -> None:
    override.add_argument("nip")
    override.add_argument("kind", choices=KINDS)
    override.add_argument(
        "--record-id", help=f"the record, for the history kinds ({', '.join(HISTORY_KINDS)})"
    )
    what = override.add_mutually_exclusive_group(required=True)
    what.add_argument("--values", metavar="JSON", help="pin these values (a JSON object)")
    what.add_argument("--delete", action="store_true", help="pin the record's absence")
    what.add_argument("--release", action="store_true", help="end the steward's pin")
    override.add_argument("--reason", required=True, help="why (required; kept with it)")
    override.add_argument("--actor", required=True, help="who decided")
    kafka_flags(override)


def override_event(args: argparse.Namespace, now: datetime, event_id: str) -> dict[str, Any]:
    """The steward's CloudEvent for the command's arguments."""
    kind: str = args.kind
    if kind in HISTORY_KINDS and args.record_id is None:
        raise OverrideError(f"{kind} records are told apart by id: give --record-id")
    if kind not in HISTORY_KINDS and args.record_id is not None:
        raise OverrideError(f"{kind} has no record id: leave out --record-id")
    data: dict[str, Any] = {} if args.record_id is None else {"record_id": args.record_id}
    if args.values is not None:
        data |= _values(args.values)
    data["reason"] = args.reason
    operation = "upserted" if args.values is not None else "deleted" if args.delete else "released"
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": STEWARD,
        "type": f"asn.{kind}.{operation}",
        "subject": args.nip,
        "time": now.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "actor": args.actor,
        "data": data,
    }


def _values(text: str) -> dict[str, Any]:
    try:
        values = json.loads(text)
    except json.JSONDecodeError as e:
        raise OverrideError(f"--values is not JSON: {e.msg} (at character {e.pos})") from None
    if not isinstance(values, dict):
        raise OverrideError("--values is not a JSON object")
    for field, flag in (("record_id", "--record-id"), ("reason", "--reason")):
        if field in values:
            raise OverrideError(f"--values names {field}: give it with {flag}")
    return values


Signed = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers


def signed_override(args: argparse.Namespace, settings: Settings) -> Signed:
    """The override's message, signed and checked as the worker checks it; OverrideError (one
    line) when it cannot be built or the worker would refuse it."""
    secrets = signing_secrets(settings.source_secrets_file, "override")
    secret = secrets.secret(STEWARD)
    if secret is None:
        raise OverrideError(f'{settings.source_secrets_file} has no steward secret (steward = "…")')
    event = override_event(args, datetime.now(UTC), str(uuid.uuid4()))
    key = args.nip.encode()
    value = json.dumps(event, ensure_ascii=False).encode()
    headers = [(SIGNATURE_HEADER, sign(secret, value).encode())]
    checked = decode(key, value, load_rules(settings.rules_file), headers, secrets)
    if isinstance(checked, Rejection):
        raise OverrideError(f"the worker would refuse it ({checked.reason}): {checked.detail}")
    return key, value, headers


def send_override(message: Signed, settings: Settings) -> None:
    """Onto the first input topic, acknowledged by the broker."""
    key, value, headers = message
    with bootstrap(settings, producer=clients.OVERRIDE) as app:
        app.publisher.send(settings.input_topics[0], key, value, headers)
        app.publisher.flush()


def run(args: argparse.Namespace, settings: Settings) -> int:
    """`ipasn-worker override`: 0 published, 2 refused before anything was sent."""
    try:
        message = signed_override(args, settings)
    except OverrideError as e:
        return _refused(str(e))
    send_override(message, settings)
    print(json.loads(message[1])["id"])
    return 0


def _refused(why: str) -> int:
    print(f"ipasn-worker: override: {why}", file=sys.stderr)
    return 2
