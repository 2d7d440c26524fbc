"""One page of employees computed again, and every page in turn in this process."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from worker.bootstrap import now
from worker.commands.recompute.report import Report
from worker.db.engine import Engine
from worker.db.views.employees import nip_pages
from worker.pipeline.ports import Relay
from worker.pipeline.retries import Retries, retrying
from worker.pipeline.service import IndexService, Scored

T = TypeVar("T")


def _retried(step: Callable[[], T]) -> T:
    """A transient failure (a lock held past its timeout by a worker stopped mid-transaction,
    a lost connection, a broker not answering) is retried, as the worker retries it."""
    retries = Retries()
    deadline = time.monotonic() + retries.within_s
    for attempt in retrying(retries, deadline, threading.Event()):
        with attempt:
            return step()
    raise AssertionError("unreachable: the last attempt's error propagates")


def compute_page(
    service: IndexService,
    relay: Relay | None,
    report: Report,
    nips: list[str],
    *,
    reconciled: bool = False,
) -> None:
    """The page in one transaction, its events published from memory once it commits (none:
    a dry run), those held back behind older ones of their key by the relay; `reconciled`:
    rescored from the reconciled records (IndexService.recompute); compared with the current
    indexes under the report's `compared_with`, the rules in use."""
    computed = partial(
        service.recompute,
        nips,
        dry_run=report.dry_run,
        reconciled=reconciled,
        in_use=report.compared_with,
    )
    scored = _retried(lambda: computed(now()))
    report.add(scored)
    if relay is not None:
        report.published.update(_retried(lambda: _published(relay, scored)))


def _published(relay: Relay, scored: Scored) -> Counter[str]:
    sent = Counter(relay.publish(scored.events))
    if scored.held_back:
        sent.update(relay.drain())
    return sent


def recompute_all(
    service: IndexService,
    engine: Engine,
    relay: Relay | None,
    report: Report,
    chunk: int,
    advance: Callable[[int], None],
    *,
    reconciled: bool = False,
) -> None:
    """Every page in turn, in this process."""
    started = time.monotonic()
    for nips in nip_pages(engine, report.agency, chunk):
        compute_page(service, relay, report, nips, reconciled=reconciled)
        advance(len(nips))
        report.seconds = time.monotonic() - started
    drain_left(relay, report)


def drain_left(relay: Relay | None, report: Report) -> None:
    """What the outbox still holds at the end (left by an earlier run that stopped, say)."""
    if relay is not None:
        report.published.update(_retried(relay.drain))
