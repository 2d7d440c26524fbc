"""A message the database refuses goes to the dead-letter topic; it never blocks a partition."""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime

import pytest

from consumers.reader import read_topic
from tests.conftest import Topics
from tests.integration.helpers import data_by_nip, publish, published, run, settings_for
from tests.integration.stream import A, B, D, phase_one
from worker.dev.brokers import LocalBroker
from worker.domain.model import Statement
from worker.pipeline.ports import Origin, RefusedValue
from worker.pipeline.service import BatchOutcome, IndexService

pytestmark = pytest.mark.kafka


def test_a_statement_the_database_refuses_is_dead_lettered_and_the_rest_processed(
    broker: LocalBroker, topics: Topics, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(broker.bootstrap, topics.input, phase_one())
    real_apply = IndexService.apply

    def refusing(
        self: IndexService,
        incoming: Sequence[tuple[Statement, Origin]],
        now: datetime,
        *,
        commit: bool = True,
        sending: Set[str] = frozenset(),
    ) -> BatchOutcome:
        if any(s.event_id == "s-d7" for s, _ in incoming):
            # As the store says it when PostgreSQL refuses a value that is too long.
            raise RefusedValue("StringDataRightTruncation")
        return real_apply(self, incoming, now, commit=commit, sending=sending)

    monkeypatch.setattr(IndexService, "apply", refusing)
    totals = run(settings_for(broker, topics, database_url))

    dead = read_topic(broker.bootstrap, topics.dlq)
    refused = [d for d in dead if b'"s-d7"' in (d.value or b"")]
    assert len(refused) == 1
    assert refused[0].headers["ipasn-dlq-reason"] == b"invalid_event"
    assert refused[0].headers["ipasn-dlq-detail"] == (
        b"the database refused a value (StringDataRightTruncation)"
    )
    assert totals.dead_lettered == 7
    # D lost its appraisal (the refused statement), everyone else is as expected.
    by_nip = data_by_nip(published(broker, topics.output))
    scores = {nip: [(d["revision"], d["score"]) for d in data] for nip, data in by_nip.items()}
    assert scores == {A: [(1, 73)], B: [(1, 62.5)], D: [(1, 65)]}
