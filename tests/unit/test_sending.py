"""Commands' sends (worker/commands/sending.py): a count is reported only once acknowledged."""

from __future__ import annotations

import pytest

from tests.fakes import FakePublisher
from worker.commands.sending import Outgoing, send_acknowledged

MESSAGES: list[Outgoing] = [(str(n).encode(), b"{}", []) for n in range(7)]


def test_each_count_reported_was_flushed_first() -> None:
    publisher = FakePublisher([])
    reported: list[tuple[int, int]] = []

    sent = send_acknowledged(
        publisher, "t", MESSAGES, lambda n: reported.append((n, len(publisher.published))), 3
    )

    assert sent == 7
    assert reported == [(3, 3), (6, 6), (7, 7)]
    assert [k for _, k, _ in publisher.published] == [k for k, _, _ in MESSAGES]
    assert publisher.journal == ["published 3", "published 3", "published 1"]


class RefusingPublisher(FakePublisher):
    def flush(self) -> None:
        if self.published:
            raise TimeoutError("not acknowledged")
        super().flush()


def test_a_failed_flush_stops_before_its_count_is_reported() -> None:
    reported: list[int] = []

    with pytest.raises(TimeoutError):
        send_acknowledged(RefusingPublisher([]), "t", MESSAGES, reported.append, 3)

    assert reported == [3]
