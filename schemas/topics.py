"""The five topics the worker reads and writes (contracts §1, §4, §6, §10, §14): their default
names and recommended topic settings, and the default consumer group.

The settings' defaults (worker/config/settings.py) are these names, and `ipasn-worker topics
create` (worker/config/topics.py) gives each topic these settings by its role, whatever the
settings call it: the snapshot and agency topics are compacted (each event is a full state for
its key), dead letters are kept 30 days. tests/unit/test_topics.py checks the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

CHANGES: Final = "asn.personnel.changes"
RECALCULATED: Final = "asn.ipasn.recalculated"
DEAD_LETTERS: Final = "asn.personnel.changes.dlq"
RECONCILED: Final = "asn.personnel.reconciled"
AGENCY: Final = "asn.ipasn.agency.recalculated"
CONSUMER_GROUP: Final = "ipasn-worker"  # the worker's consumer group on CHANGES

DEAD_LETTER_RETENTION_DAYS: Final = 30
_DAY_MS: Final = 24 * 60 * 60 * 1000


def agency_topic(topic: str, agency: str) -> str:
    """An agency's own copy of a per-employee output topic (contracts §15):
    `<topic>.<agency_code>`."""
    return f"{topic}.{agency}"


CONFIGS: Final[Mapping[str, Mapping[str, str]]] = {
    CHANGES: {},
    RECALCULATED: {},
    DEAD_LETTERS: {"retention.ms": str(DEAD_LETTER_RETENTION_DAYS * _DAY_MS)},
    RECONCILED: {"cleanup.policy": "compact"},
    AGENCY: {"cleanup.policy": "compact"},
}
