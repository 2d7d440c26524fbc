"""The topics the worker reads and writes (contracts §14), named once: what each holds, the
setting that names it, and how it is best created (`ipasn-worker topics create`).

Keyed by NIP, the input and the per-employee outputs share one partition count (the number of
worker processes that can share the work); the dead letters and the agency figures are few and
need fewer. Reconciled snapshots and agency figures are states, the latest per key: compacted.
Dead letters hold original bytes (personal data): kept 30 days, time to replay them after a fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import topics as defaults
from worker.config.settings import Settings

DAY_MS = 24 * 3600 * 1000
DEAD_LETTERS_KEPT_DAYS = defaults.DEAD_LETTER_RETENTION_DAYS
FEW_PARTITIONS = 3  # at most, for the dead letters and the agency figures
# The settings of schemas/topics.py (the AsyncAPI document's), by role: the settings may rename
# the topics.
COMPACTED = dict(defaults.CONFIGS[defaults.RECONCILED])
DEAD_LETTERS = dict(defaults.CONFIGS[defaults.DEAD_LETTERS])


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    setting: str  # the environment variable that names it
    holds: str
    reads: bool  # the worker reads it (else writes)
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name} ({self.setting})"


def worker_topics(settings: Settings, partitions: int = 12) -> list[Topic]:
    """Every topic `run` reads or writes, with the settings' names; `partitions` for those
    keyed by NIP."""
    few = min(partitions, FEW_PARTITIONS)
    inputs = [
        Topic(name, "IPASN_INPUT_TOPICS", "change events, steward events", True, partitions)
        for name in settings.input_topics
    ]
    return [
        *inputs,
        Topic(settings.output_topic, "IPASN_OUTPUT_TOPIC", "index recalculated", False, partitions),
        Topic(
            settings.reconciled_topic,
            "IPASN_RECONCILED_TOPIC",
            "reconciled records",
            False,
            partitions,
            COMPACTED,
        ),
        Topic(
            settings.agency_topic,
            "IPASN_AGENCY_TOPIC",
            "agency figures",
            False,
            few,
            dict(defaults.CONFIGS[defaults.AGENCY]),
        ),
        Topic(settings.dlq_topic, "IPASN_DLQ_TOPIC", "dead letters", False, few, DEAD_LETTERS),
    ]


def missing_line(missing: list[Topic]) -> str:
    """The one line that refuses a start without these topics."""
    names = ", ".join(str(t) for t in missing)
    them = "them" if len(missing) > 1 else "it"
    return (
        f"the broker has no topic {names}: create {them} first (`ipasn-worker topics create`, "
        "or your own topic tooling); the worker does not"
    )
