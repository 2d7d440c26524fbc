"""poll → decode → dead letters → database commit → offset commit → outbox relay (beside the
next batch, on a thread of its own); shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from consumers.changes import decode
from schemas.dead_letter import Rejection
from schemas.signature import SourceSecrets
from worker.domain.model import Statement
from worker.domain.rules import RuleSet
from worker.observability.metrics import WorkerMetrics, kind_label, system_of
from worker.pipeline.ports import (
    DeadLetters,
    Message,
    MessageSource,
    Origin,
    OutboxEvent,
    RefusedValue,
    Relay,
)
from worker.pipeline.retries import Retries, retrying
from worker.pipeline.service import BatchOutcome, IndexService

log = logging.getLogger(__name__)
T = TypeVar("T")
# Short, so that a stop request is seen within a second wherever the loop is.
POLL_TIMEOUT_S = 0.5
# A busy worker publishes its own events from memory; this often it also drains what the
# outbox holds unsent (another worker's events, left by a crash), and whenever it is idle.
DRAIN_EVERY_S = 5.0
# With no partition held this long (more workers than partitions, a group that does not
# settle), --until-idle ends, with a non-zero exit status.
ASSIGNMENT_GRACE_S = 90.0
# The steps that publish: while one of them fails, the worker is not ready (/readyz).
OUTPUT_STEPS = frozenset({"publish", "dead_letters"})


@dataclass(slots=True)
class _Seen:
    """When the loop last saw each thing (time.monotonic())."""

    active: float  # a batch, or messages left to read
    assigned: float  # a partition held
    settled: float  # a member of a settled group
    ever_assigned: bool = False


@dataclass(slots=True)
class Totals:
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    revisions: int = 0
    published: int = 0  # recalculated events
    snapshots: int = 0  # reconciled snapshots published
    # time.monotonic() when the first batch arrived and when the last was done (committed and
    # published): the worker's busy span, without the group join and the idle wait.
    first_batch_at: float | None = None
    last_batch_done_at: float | None = None
    # Why the run ended with work left (one line), or None: with --until-idle, caught up to the
    # end of every partition held, all of it committed and published.
    unfinished: str | None = None

    @property
    def busy_s(self) -> float:
        if self.first_batch_at is None or self.last_batch_done_at is None:
            return 0.0
        return self.last_batch_done_at - self.first_batch_at


class Worker:
    def __init__(
        self,
        *,
        source: MessageSource,
        service: IndexService,
        dead_letters: DeadLetters,
        relay: Relay,
        rules: RuleSet,
        metrics: WorkerMetrics,
        stopping: threading.Event,
        clock: Callable[[], datetime],
        retries: Retries | None = None,
        rejoin_limit_s: float = 600.0,
        secrets: SourceSecrets | None = None,
        publish_behind: bool = False,
    ) -> None:
        """`publish_behind`: while `run` loops, each batch's events are published on a thread
        of their own as the next batch is decoded and applied, whose waits on the database
        leave that thread the interpreter. It needs a database where two transactions may
        write at once (the publication deletes outbox rows as the batch adds some): not
        SQLite, whose one writer would make each wait for the other."""
        self.source = source
        self.service = service
        self.dead_letters = dead_letters
        self.relay = relay
        self.rules = rules
        self.metrics = metrics
        self.stopping = stopping
        self.clock = clock
        self.retries = retries or Retries()
        # A group that has not settled in this long is stuck: the worker exits (non-zero) so
        # that its restart joins the group as a new member.
        self.rejoin_limit_s = rejoin_limit_s
        self.secrets = secrets  # the sources' signing secrets (contracts §8)
        self.totals = Totals()
        self._deadline = 0.0  # of the retries of the batch in hand
        self._drained_at = -DRAIN_EVERY_S  # the outbox drains at the first publication
        self.publish_behind = publish_behind
        self._behind: ThreadPoolExecutor | None = None  # the publishing thread, in `run`
        self._sending: Future[None] | None = None  # the batch it publishes
        self._sending_ids: frozenset[str] = frozenset()  # that batch's events' ids

    def _retrying(self, step: str, action: Callable[[], T], deadline: float | None = None) -> T:
        counted = self.metrics.retries.labels(step=step).inc
        output = step in OUTPUT_STEPS

        def retried(error: BaseException | None) -> None:
            counted()
            if output:
                self.metrics.publishing_blocked.set(1)  # /readyz: 503 until a send succeeds

        until = self._deadline if deadline is None else deadline
        done = retrying(self.retries, until, self.stopping, retried)(action)
        if output:
            self.metrics.publishing_blocked.set(0)
        return done

    def _start_batch(self) -> None:
        self._deadline = time.monotonic() + self.retries.within_s

    def run(self, until_idle: float | None = None) -> Totals:
        now = time.monotonic()
        seen = _Seen(active=now, assigned=now, settled=now)
        self.metrics.started(self.rules.version)
        if self.publish_behind:
            self._behind = ThreadPoolExecutor(1, thread_name_prefix="ipasn-publish")
        try:
            self._loop(seen, until_idle)
            self._published()
        finally:
            if self._behind is not None:
                self._behind.shutdown()  # after the batch it publishes, should the loop fail
            self._behind, self._sending = None, None
        self._start_batch()
        self._publish()
        if until_idle is not None and not self.totals.unfinished:
            self.totals.unfinished = self._work_left()
        return self.totals

    def _loop(self, seen: _Seen, until_idle: float | None) -> None:
        while not self.stopping.is_set():
            batch = self.source.poll(POLL_TIMEOUT_S)
            now = time.monotonic()
            if batch:
                if self.totals.first_batch_at is None:
                    self.totals.first_batch_at = now
                self.handle(batch)
            else:
                self._start_batch()
                self._published()
                self._publish()  # the outbox drained whenever the input is idle
            lag = self.source.lag()
            self.metrics.set_lag(lag)
            self.metrics.iterated(joined=self.source.settled(), rebalances=self.source.rebalances())
            self._saw(seen, now, batch, lag)
            if until_idle is not None and now - seen.active >= until_idle:
                return
            self.totals.unfinished = self._stuck(seen, now, until_idle)
            if self.totals.unfinished:
                log.warning("%s", self.totals.unfinished)
                return

    def _saw(
        self, seen: _Seen, now: float, batch: Sequence[Message], lag: dict[tuple[str, int], int]
    ) -> None:
        if batch or not self._caught_up(lag):
            seen.active = now  # idle time counts only while nothing is left to read
        if self.source.assigned_count():
            seen.assigned, seen.ever_assigned = now, True
        if self.source.settled():
            seen.settled = now

    def _stuck(self, seen: _Seen, now: float, until_idle: float | None) -> str | None:
        """Why the loop must end now with work left, or None."""
        if now - seen.settled >= self.rejoin_limit_s:
            return (
                f"the consumer group has not settled in {self.rejoin_limit_s:.0f} s; "
                "exiting so that a restart joins it as a new member"
            )
        if until_idle is None or now - seen.assigned < ASSIGNMENT_GRACE_S:
            return None
        if not seen.ever_assigned:
            return (
                f"no partition was assigned in {ASSIGNMENT_GRACE_S:.0f} s: do the input topics "
                "exist, and does the group have fewer members than partitions?"
            )
        return f"no partition held for {ASSIGNMENT_GRACE_S:.0f} s since the group last rebalanced"

    def _work_left(self) -> str | None:
        """After a run with --until-idle: what is left undone, or None."""
        lag = self.source.lag()
        if not self.source.assigned_count():
            return "stopped while the group was rebalancing, before catching up"
        unknown = self.source.assigned_count() - len(lag)
        if unknown or any(lag.values()):
            ends = f", and the end of {unknown} partitions not known yet" if unknown else ""
            return f"stopped before catching up: {sum(lag.values())} messages left to read{ends}"
        if self.source.uncommitted():
            n = self.source.uncommitted()
            return f"the offsets of {n} partitions are not committed (the group rebalanced)"
        return None

    def _caught_up(self, lag: dict[tuple[str, int], int]) -> bool:
        # Not while the group (re)balances, nor before every partition's end is known, nor
        # while offsets of handled messages are not committed.
        held = self.source.assigned_count()
        return (
            held > 0
            and len(lag) == held
            and not any(lag.values())
            and not self.source.uncommitted()
        )

    def handle(self, batch: Sequence[Message]) -> None:
        self._start_batch()
        started = time.perf_counter()
        accepted: list[tuple[Statement, Origin]] = []
        rejected: list[tuple[Message, Rejection]] = []
        for m in batch:
            decoded = decode(m.key, m.value, self.rules, m.headers, self.secrets)
            if isinstance(decoded, Rejection):
                rejected.append((m, decoded))
            else:
                accepted.append((decoded, m.origin))
        outcome, accepted, refused = self._apply(accepted, batch)
        rejected += refused
        if rejected:
            # Acknowledged by the broker before the offsets move past them.
            self._retrying("dead_letters", lambda: self._dead_letter(rejected))
        self._retrying("commit", lambda: self.source.commit(batch))
        self.metrics.committed()
        took = time.perf_counter() - started
        self._count(batch, accepted, rejected, outcome, took)
        self._summarize(batch, rejected, outcome, took)
        due = time.monotonic() - self._drained_at >= DRAIN_EVERY_S
        self._hand_over(outcome.events, drain=outcome.held_back > 0 or due)

    def _hand_over(self, events: Sequence[OutboxEvent], *, drain: bool) -> None:
        """Publish the committed batch's events: here, or on the publishing thread once the
        previous batch's are out (they go first: order per key)."""
        self._published()
        if self._behind is None:
            self._publish_batch(events, drain, self._deadline)
            return
        self._sending_ids = frozenset(e.event_id for e in events)
        self._sending = self._behind.submit(self._publish_batch, events, drain, self._deadline)

    def _published(self) -> None:
        """Wait until the batch on the publishing thread is out; its failure is raised here."""
        sending, self._sending, self._sending_ids = self._sending, None, frozenset()
        if sending is not None:
            sending.result()

    def _publish_batch(self, events: Sequence[OutboxEvent], drain: bool, deadline: float) -> None:
        self._publish(events, drain=drain, deadline=deadline)
        self.totals.last_batch_done_at = time.monotonic()  # committed and published

    def _summarize(
        self,
        batch: Sequence[Message],
        rejected: Sequence[tuple[Message, Rejection]],
        outcome: BatchOutcome,
        took: float,
    ) -> None:
        """One line per batch: in JSON logs its figures are fields of their own."""
        figures = {
            "messages": len(batch),
            "stored": len(outcome.new),
            "duplicates": outcome.duplicates,
            "dead_lettered": len(rejected),
            "recalculated": outcome.recalculated,
            "revised": len(outcome.revisions),
            "conflicts": sum(outcome.conflicts.values()),
            "held_back": outcome.held_back,  # events left to the relay (older rows of their key)
            "seconds": round(took, 4),
        }
        log.info(
            "batch of %(messages)d: %(stored)d stored, %(duplicates)d duplicate, "
            "%(dead_lettered)d dead-lettered, %(recalculated)d recalculated, %(revised)d "
            "revised, %(conflicts)d new conflicts in %(seconds).3f s",
            figures,
            extra={"batch": figures},
        )

    def _apply(
        self,
        accepted: list[tuple[Statement, Origin]],
        batch: Sequence[Message],
    ) -> tuple[BatchOutcome, list[tuple[Statement, Origin]], list[tuple[Message, Rejection]]]:
        """Apply the batch in one transaction. Should the database refuse a value, find the
        statements it refuses, dead-letter them and apply the rest: one bad message never
        blocks its partition. Returns the outcome, the statements applied and the refusals."""
        # The events being published behind are sent before this batch's: their rows do not
        # hold back this batch's events of the same keys.
        apply = partial(self.service.apply, sending=self._sending_ids)
        try:
            return self._retrying("database", lambda: apply(accepted, self.clock())), accepted, []
        except RefusedValue:
            log.warning("the database refused a value in this batch; applying one by one")
        messages = {m.origin: m for m in batch}
        applied: list[tuple[Statement, Origin]] = []
        refused: list[tuple[Message, Rejection]] = []
        for statement, origin in accepted:
            # A trial of each statement alone, rolled back, finds those the database refuses.
            trial = partial(apply, [(statement, origin)], self.clock(), commit=False)
            try:
                self._retrying("database", trial)
            except RefusedValue as e:
                refusal = Rejection(
                    "invalid_event",
                    f"the database refused a value ({e})",
                    statement.source,
                    statement.kind,
                )
                refused.append((messages[origin], refusal))
            else:
                applied.append((statement, origin))
        outcome = self._retrying("database", lambda: apply(applied, self.clock()))
        return outcome, applied, refused

    def _dead_letter(self, rejected: Sequence[tuple[Message, Rejection]]) -> None:
        with self._failures_counted("dead_letters"):
            for message, rejection in rejected:
                self.dead_letters.send(message, rejection)
            self.dead_letters.flush()

    def _publish(
        self,
        events: Sequence[OutboxEvent] = (),
        *,
        drain: bool = True,
        deadline: float | None = None,
    ) -> None:
        """Publish the committed batch's events from memory; with `drain`, then whatever the
        outbox holds unsent (events held back, another worker's left by a crash). Retried
        until `deadline` (default: the batch in hand's)."""

        def publish() -> dict[str, int]:
            with self._failures_counted("outbox"):
                # The backlog as this worker sees it: the outbox's at a drain, else its own.
                backlog = self.relay.pending() if drain else len(events)
                self.metrics.outbox_pending.set(backlog)
                sent = self.relay.publish(events)
                if not drain:
                    return sent
                self._drained_at = time.monotonic()
                return dict(Counter(sent) + Counter(self.relay.drain()))

        sent = self._retrying("publish", publish, deadline)
        recalculated = sent.get(self.service.output_topic, 0)
        snapshots = sent.get(self.service.reconciled_topic, 0)
        self.metrics.agency_events_published.inc(sent.get(self.service.agency_topic, 0))
        self.metrics.published.inc(recalculated)
        self.metrics.snapshots_published.inc(snapshots)
        self.totals.published += recalculated
        self.totals.snapshots += snapshots

    @contextmanager
    def _failures_counted(self, output: str) -> Iterator[None]:
        try:
            yield
        except Exception:
            self.metrics.publish_failures.labels(output=output).inc()
            raise

    def _count(
        self,
        batch: Sequence[Message],
        accepted: Sequence[tuple[Statement, Origin]],
        rejected: Sequence[tuple[Message, Rejection]],
        outcome: BatchOutcome,
        took: float,
    ) -> None:
        new = outcome.new
        self.totals.messages += len(batch)
        self.totals.revisions += len(outcome.revisions)
        self.totals.stored += len(new)
        self.totals.duplicates += len(accepted) - len(new)
        self.totals.dead_lettered += len(rejected)
        self.metrics.batch_size.observe(len(batch))
        self.metrics.batch_duration.observe(took)
        self.metrics.event_processing.observe(took / len(batch))
        changed = len(outcome.revisions)
        self.metrics.recalculations.labels(result="changed").inc(changed)
        self.metrics.recalculations.labels(result="unchanged").inc(outcome.recalculated - changed)
        self.metrics.conflicts_recorded(outcome.conflicts)
        for reason, n in outcome.closed.items():
            self.metrics.conflicts_closed.labels(reason=reason).inc(n)
        now = time.time()
        self.metrics.aged((system_of(s.source), now - s.time.timestamp()) for s, _ in accepted)
        processed = Counter((system_of(s.source), s.kind) for s in new)
        consumed = Counter((system_of(s.source), s.kind) for s, _ in accepted)
        for (system, kind), n in consumed.items():
            done = processed[(system, kind)]
            self.metrics.events_consumed.labels(system, kind, "processed").inc(done)
            self.metrics.events_consumed.labels(system, kind, "duplicate").inc(n - done)
        for _, r in rejected:
            self.metrics.dead_letters.labels(reason=r.reason).inc()
            self.metrics.events_consumed.labels(
                system_of(r.source), kind_label(r.kind), "dead_lettered"
            ).inc()
