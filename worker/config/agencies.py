"""Each system reads only its own staff (contracts §15): the agencies file, each agency's
topics, and the ACLs that let a principal read or write only what it needs.

Kafka authorises by topic, not by key, so the outputs a regional system reads are split by
agency: `<topic>.<agency_code>` for the recalculated events and the reconciled snapshots. The
ACLs are for Kafka's standard authoriser (StandardAuthorizer in KRaft), which denies what no ACL
allows: each regional principal `simpeg-<agency>` writes the input topics and reads its agency's
two topics (with consumer groups named `simpeg-<agency>…`); the national principals write the
input topics; the worker's principal reads the input topics with its consumer group and writes
every output. Nobody else reads anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from schemas.topics import agency_topic
from worker.config.settings import Settings
from worker.config.topics import COMPACTED, FEW_PARTITIONS, Topic

# An agency code as it ends a topic name: Kafka allows letters, digits, ".", "_" and "-"; a
# dot would make `<topic>.<code>` ambiguous.
AGENCY_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,39}")
NATIONAL_PRINCIPALS = ("siasn", "ekinerja")
REGIONAL_PREFIX = "simpeg-"


class AgenciesFileError(ValueError):
    """The agencies file cannot be used; the message is one line naming the file and line."""


def read_agencies(path: Path) -> list[str]:
    """The agency codes of a file of one code a line, in the file's order, each once. Blank
    lines and lines starting with # are skipped; anything else that is not a code is refused."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise AgenciesFileError(f"cannot read the agencies file {path}: {reason}") from None
    codes: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.strip()
        if not code or code.startswith("#"):
            continue
        if not AGENCY_CODE.fullmatch(code):
            raise AgenciesFileError(
                f"{path}, line {number}: {code[:50]!r} is not an agency code (letters, digits, "
                "_ and -, at most 40, one a line)"
            )
        codes[code] = None
    if not codes:
        raise AgenciesFileError(f"{path} names no agency (one agency code a line)")
    return list(codes)


def agency_topics(settings: Settings, agencies: Iterable[str]) -> list[Topic]:
    """Each agency's recalculated events and reconciled snapshots (compacted, as the national
    one). An agency's stream is small beside the country's, and a cluster pays for every
    partition of some 1,000 topics: FEW_PARTITIONS each."""
    topics: list[Topic] = []
    for code in agencies:
        topics += [
            Topic(
                agency_topic(settings.output_topic, code),
                "IPASN_OUTPUT_TOPIC",
                f"index recalculated, agency {code}",
                False,
                FEW_PARTITIONS,
            ),
            Topic(
                agency_topic(settings.reconciled_topic, code),
                "IPASN_RECONCILED_TOPIC",
                f"reconciled records, agency {code}",
                False,
                FEW_PARTITIONS,
                COMPACTED,
            ),
        ]
    return topics


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """One ACL that allows: `principal` may do `operation` on the `resource` (TOPIC or GROUP)
    named `name` (LITERAL) or every one whose name starts with it (PREFIXED), from any host."""

    principal: str  # "User:simpeg-7317"
    operation: str  # "READ" or "WRITE"; each implies DESCRIBE
    resource: str
    pattern: str
    name: str

    def __str__(self) -> str:
        prefix = "*" if self.pattern == "PREFIXED" else ""
        return f"{self.principal} {self.operation} {self.resource.lower()} {self.name}{prefix}"


def _user(name: str) -> str:
    return f"User:{name}"


def _topics(principal: str, operation: str, names: Sequence[str]) -> list[Grant]:
    return [Grant(principal, operation, "TOPIC", "LITERAL", name) for name in names]


def acls(settings: Settings, agencies: Sequence[str], worker_principal: str) -> list[Grant]:
    """The ACLs of contracts §15, by principal: regional ones in the file's order, then the
    national ones, then the worker's."""
    inputs = list(settings.input_topics)
    grants: list[Grant] = []
    for code in agencies:
        regional = _user(REGIONAL_PREFIX + code)
        own = [agency_topic(t, code) for t in (settings.output_topic, settings.reconciled_topic)]
        grants += _topics(regional, "WRITE", inputs)
        grants += _topics(regional, "READ", own)
        grants.append(Grant(regional, "READ", "GROUP", "PREFIXED", REGIONAL_PREFIX + code))
    for name in NATIONAL_PRINCIPALS:
        grants += _topics(_user(name), "WRITE", inputs)
    worker = _user(worker_principal)
    grants += _topics(worker, "READ", inputs)
    grants.append(Grant(worker, "READ", "GROUP", "LITERAL", settings.consumer_group))
    outputs = [settings.output_topic, settings.reconciled_topic]
    grants += _topics(worker, "WRITE", [*outputs, settings.agency_topic, settings.dlq_topic])
    # Every agency's copies, those of agencies added later included.
    grants += [Grant(worker, "WRITE", "TOPIC", "PREFIXED", agency_topic(t, "")) for t in outputs]
    return grants
