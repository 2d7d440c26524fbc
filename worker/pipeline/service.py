"""Statements in, reconciled records, indexes and outbox rows out: one database transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime

from schemas.agency import agency_payload
from schemas.recalculated import Cause, recalculated_payload
from schemas.reconciled import NOTHING_DIGEST, digest, left_payload, reconciled_payload
from schemas.topics import agency_topic
from worker.domain.agencies import AgencyKey, Figures, Move
from worker.domain.agencies import changes as agency_changes
from worker.domain.index import score
from worker.domain.model import Conflict, IndexResult, IndexRevision, Resolution, Statement
from worker.domain.reconcile import PROFILE, closing_reason, re_resolve, resolve, resolve_latest
from worker.domain.rules import RuleSet
from worker.pipeline.cache import EmployeeCache, Known
from worker.pipeline.ports import (
    NewRevision,
    NewSnapshot,
    Origin,
    OutboxEvent,
    PastRevision,
    RecordChanges,
    Store,
    Unit,
)


@dataclass(slots=True)
class BatchOutcome:
    new: list[Statement] = field(default_factory=list)  # stored now, not seen before
    duplicates: int = 0
    recalculated: int = 0  # NIPs whose index was computed again
    revisions: list[NewRevision] = field(default_factory=list)
    conflicts: dict[str, int] = field(default_factory=dict)  # newly stored, by record kind
    closed: dict[str, int] = field(default_factory=dict)  # conflicts closed, by why
    snapshots: int = 0  # new reconciled snapshot versions
    agencies: int = 0  # agencies whose figures changed
    # The committed events the worker publishes from memory, in outbox order, and how many it
    # held back for the relay: those whose key had older rows waiting to be sent.
    events: list[OutboxEvent] = field(default_factory=list)
    held_back: int = 0


@dataclass(slots=True)
class Scored:
    """Employees' indexes computed again: each one's current index before (None: none) and
    the index now, the revisions to write, and the changes of the agencies' figures."""

    indexes: list[tuple[IndexResult | None, IndexResult]] = field(default_factory=list)
    revisions: list[NewRevision] = field(default_factory=list)
    moved: list[IndexResult] = field(default_factory=list)  # the agency alone changed
    moves: list[Move] = field(default_factory=list)  # for the agencies' figures
    agencies: int = 0  # agencies whose figures changed (recompute)
    # recompute: each employee's current index under the rules in use (None: none) and the
    # index now; the same pairs as `indexes` where the rules in use are these rules.
    compared: list[tuple[IndexResult | None, IndexResult]] = field(default_factory=list)
    # As BatchOutcome's: the events to publish from memory, and how many wait for the relay.
    events: list[OutboxEvent] = field(default_factory=list)
    held_back: int = 0


def _changed(before: IndexRevision | None, after: IndexResult) -> bool:
    """Only a changed score, band or dimension is published (contracts §4): not the agency
    alone, and no withdrawal of an index that is not there."""
    was = before.index if before else None
    if was is None or not was.has_index:
        return after.has_index
    return (was.score, was.band, was.dimensions) != (after.score, after.band, after.dimensions)


def _changes(known: Known, resolution: Resolution, changes: RecordChanges) -> bool:
    """Add what to write of the resolution to `changes`; whether any of its records changed
    (or may have: an employee rewritten whole), which alone can make a new snapshot version."""
    if known.stored is None:
        changes.rewritten.append(resolution)
        return True
    if known.first:  # records are written only with statements: none stored yet
        changes.added.append(resolution)
        return bool(resolution.every_record())
    # re_resolve changed only the touched records, unless the profile was (then any).
    keys = None if PROFILE in known.touched else known.touched
    changed, gone = resolution.changes_since(known.stored, keys)
    changes.changed += [(resolution.nip, r) for r in changed]
    changes.gone += [(resolution.nip, r) for r in gone]
    return bool(changed or gone)


def _publishable(
    unit: Unit,
    events: list[OutboxEvent],
    first: Set[str] = frozenset(),
    sending: Set[str] = frozenset(),
) -> tuple[list[OutboxEvent], int]:
    """The events the worker may publish from memory once the transaction commits: those
    whose key has no older row waiting, which would have to go out first (a worker that lost
    the employee's partition before it published, a crash); and how many wait for the relay,
    which sends in outbox order. No row waits for an employee in `first` (seen for the first
    time), nor is looked for: every row keyed by an employee follows a statement about them.
    The rows of `sending` (event ids) do not wait: the worker publishes them before these."""
    waiting = unit.keys_waiting([e for e in events if e.key not in first], sending)
    mine = [e for e in events if e.key not in waiting]
    return mine, len(events) - len(mine)


def _copy(event: OutboxEvent, topic: str, agency: str) -> OutboxEvent:
    """The event on the agency's own copy of `topic`: the same key and payload."""
    return OutboxEvent(f"{event.event_id}@{agency}", agency_topic(topic, agency), event.key,
                       event.payload)  # fmt: skip


def _resolved(nip: str, known: Known, rules: RuleSet) -> Resolution:
    if known.stored is None:
        return resolve_latest(nip, known.latest, rules)
    return re_resolve(known.stored, known.latest, known.touched, rules)


class IndexService:
    def __init__(
        self,
        store: Store,
        rules: RuleSet,
        measurement_year: int,
        output_topic: str,
        cache: EmployeeCache | None = None,
        reconciled_topic: str = "asn.personnel.reconciled",
        agency_topic: str = "asn.ipasn.agency.recalculated",
        *,
        agency_outputs: bool = False,
    ) -> None:
        """`agency_outputs`: every snapshot and revision also on its agency's own topic
        (contracts §15)."""
        self.store = store
        self.rules = rules
        self.measurement_year = measurement_year
        self.output_topic = output_topic
        self.reconciled_topic = reconciled_topic
        self.agency_topic = agency_topic
        self.agency_outputs = agency_outputs
        self.cache = cache if cache is not None else EmployeeCache(0)

    def apply(
        self,
        incoming: Sequence[tuple[Statement, Origin]],
        now: datetime,
        *,
        commit: bool = True,
        sending: Set[str] = frozenset(),
    ) -> BatchOutcome:
        """Store new statements and recompute the index of only the NIPs they touch.

        commit=False rolls it all back: a trial that tells whether the database accepts it.
        `sending`: the ids of events the worker is publishing and will have published before
        this transaction's (an earlier batch's); their rows hold none of these back.
        """
        outcome = BatchOutcome()
        committed: dict[str, tuple[Known, Resolution]] = {}
        with self.store.unit(now, commit=commit) as unit:
            new = outcome.new = unit.add_statements(incoming)
            outcome.duplicates = len(incoming) - len(new)
            causes: dict[str, list[Cause]] = {}
            for s in new:
                causes.setdefault(s.nip, []).append((s.source, s.event_id))
            if not causes:
                return outcome
            changes = RecordChanges()
            resolved: list[tuple[Resolution, Known]] = []
            records_moved: list[Resolution] = []  # a new snapshot version is possible
            knowns = self._known(unit, new)
            # Employees no statement was stored about before: the database holds nothing of
            # theirs to read (no index, snapshot or outbox row comes before a statement).
            first = {nip for nip, known in knowns.items() if known.first}
            for nip, known in sorted(knowns.items()):
                resolution = _resolved(nip, known, self.rules)
                committed[nip] = (known, resolution)
                if resolution is not known.stored:  # else nothing the index depends on moved
                    if _changes(known, resolution, changes):
                        records_moved.append(resolution)
                    resolved.append((resolution, known))
            scored = self._scored(unit, [r for r, _ in resolved], causes, now, first)
            outcome.revisions = scored.revisions
            unit.write_records(changes)
            opened, closing = self._conflict_changes(unit, resolved)
            outcome.conflicts = unit.add_conflicts(opened)
            unit.close_conflicts(closing)
            outcome.closed = dict(Counter(reason for _, reason in closing))
            outcome.recalculated = len(committed)
            unit.save_revisions(outcome.revisions)
            events = [n.event for n in outcome.revisions]
            if self.agency_outputs:
                events += self._copied(unit, self._revision_copies(outcome.revisions))
            unit.move_indexes(scored.moved)
            snapshots = self._snapshots(unit, records_moved, causes, now, first)
            # Read before the snapshots are saved: the agencies they were last published for.
            copying = self.agency_outputs and bool(snapshots)
            asked = [n.nip for n in snapshots if n.nip not in first]
            was = unit.snapshot_agencies(asked) if copying else {}
            unit.save_snapshots(snapshots)
            events += [n.event for n in snapshots]
            if copying:
                made = {n.current.index.nip for n in outcome.revisions}
                events += self._copied(unit, self._snapshot_copies(unit, snapshots, was, made, now))
            outcome.snapshots = len(snapshots)
            # Last: the agencies' rows stay locked only until the commit that follows.
            agency_events = self._agency_events(unit, agency_changes(scored.moves), now)
            outcome.agencies = len(agency_events)
            outcome.events, outcome.held_back = _publishable(
                unit, events + agency_events, first, sending
            )
        if commit:
            self.cache.remember(committed)  # only what the database now holds
        return outcome

    def recompute(
        self,
        nips: Sequence[str],
        now: datetime,
        *,
        dry_run: bool = False,
        reconciled: bool = False,
        in_use: str | None = None,
    ) -> Scored:
        """Compute these employees' index again under this service's year and rules (contracts
        §9), in one transaction: a revision and an outbox row for each index that changed, and
        the agencies' figures kept in step. Their reconciled records, conflicts and snapshots
        stay as the worker keeps them.

        From their stored statements, reconciled again under these rules; or, `reconciled`,
        from the reconciled records the worker keeps, where these rules reconcile as the rules
        that made them do (the same precedence). The employees are locked first, as
        add_statements locks them. dry_run: nothing is locked or written; the outcome says what
        would have been. `in_use`: the rule version in use, whose current indexes of the year
        `compared` pairs with the new ones (read only; default: these rules').
        """
        with self.store.unit(now, commit=not dry_run) as unit:
            if not dry_run:
                unit.lock_employees(nips)
            if reconciled:
                stored = unit.reconciled(nips)
                resolutions = [stored.get(nip) or Resolution.nothing(nip) for nip in sorted(nips)]
            else:
                read = unit.latest_statements_of(nips)
                resolutions = [resolve(nip, read[nip], self.rules) for nip in sorted(read)]
            scored = self._scored(unit, resolutions, {}, now)
            scored.compared = self._compared(unit, scored, in_use)
            if not dry_run:
                unit.save_revisions(scored.revisions)
                events = [n.event for n in scored.revisions]
                if self.agency_outputs:
                    events += self._copied(unit, self._revision_copies(scored.revisions))
                unit.move_indexes(scored.moved)
                agency_events = self._agency_events(unit, agency_changes(scored.moves), now)
                scored.agencies = len(agency_events)
                events += agency_events
                scored.events, scored.held_back = _publishable(unit, events)
        return scored

    def _scored(
        self,
        unit: Unit,
        resolutions: Sequence[Resolution],
        causes: Mapping[str, Sequence[Cause]],
        now: datetime,
        first: Set[str] = frozenset(),
    ) -> Scored:
        """Each employee's index, against the current one (none for those in `first`): a
        revision where the score, band or a dimension changed, the agency alone moved where
        only it did."""
        asked = [r.nip for r in resolutions if r.nip not in first]
        current = unit.current_indexes(asked, self.measurement_year, self.rules.version)
        scored = Scored()
        for resolution in resolutions:
            result = score(resolution, self.measurement_year, self.rules)
            before = current.get(resolution.nip)
            was = before.index if before else None
            scored.indexes.append((was, result))
            if _changed(before, result):
                caused_by = causes.get(resolution.nip, ())
                scored.revisions.append(self._revision(result, before, caused_by, now))
                scored.moves.append((was, result))
            elif was and was.has_index and was.agency_code != result.agency_code:
                scored.moved.append(result)
                scored.moves.append((was, result))
        return scored

    def _compared(
        self, unit: Unit, scored: Scored, in_use: str | None
    ) -> list[tuple[IndexResult | None, IndexResult]]:
        """Each new index beside the current one under the rules in use, read before anything
        of this transaction is written (it writes only under this service's rule version)."""
        if in_use is None or in_use == self.rules.version:
            return scored.indexes
        nips = [now.nip for _, now in scored.indexes]
        current = unit.current_indexes(nips, self.measurement_year, in_use)
        return [
            (current[now.nip].index if now.nip in current else None, now)
            for _, now in scored.indexes
        ]

    def _conflict_changes(
        self, unit: Unit, resolved: Sequence[tuple[Resolution, Known]]
    ) -> tuple[list[Conflict], list[tuple[Conflict, str]]]:
        """The conflicts to open and those to close (with why), against those open now: the
        stored resolution's, or for an employee rewritten whole, the database's."""
        rewritten = [r.nip for r, known in resolved if known.stored is None]
        in_database = unit.open_conflicts(rewritten) if rewritten else {}
        opened: list[Conflict] = []
        closing: list[tuple[Conflict, str]] = []
        for resolution, known in resolved:
            if known.stored is None:
                was = {c.key: c for c in in_database.get(resolution.nip, ())}
            else:
                was = {c.key: c for c in known.stored.conflicts}
            now = {c.key: c for c in resolution.conflicts}
            opened += [c for key, c in now.items() if key not in was]
            closing += [
                (c, closing_reason(c, resolution, known.latest))
                for key, c in was.items()
                if key not in now
            ]
        return opened, closing

    def _snapshots(
        self,
        unit: Unit,
        resolved: Sequence[Resolution],
        causes: dict[str, list[Cause]],
        now: datetime,
        first: Set[str],
    ) -> list[NewSnapshot]:
        """A new snapshot version of each employee whose records, their values or their
        sources changed since the version last published (contracts §6); none was for those
        in `first`."""
        said = {r.nip: digest(r) for r in resolved}
        last = unit.snapshot_versions([nip for nip in said if nip not in first])
        new: list[NewSnapshot] = []
        for resolution in resolved:
            version, was = last.get(resolution.nip, (0, NOTHING_DIGEST))
            if said[resolution.nip] == was:
                continue
            event_id, payload = reconciled_payload(
                resolution, version + 1, causes[resolution.nip], now
            )
            event = OutboxEvent(event_id, self.reconciled_topic, resolution.nip, payload)
            agency = resolution.profile.values.get("agency_code") if resolution.profile else None
            new.append(
                NewSnapshot(
                    resolution.nip,
                    version + 1,
                    said[resolution.nip],
                    event,
                    None if agency is None else str(agency),
                )
            )
        return new

    # Each agency's own outputs (contracts §15). A copy is the national event as it is (key,
    # payload: the CloudEvents id too); its outbox row has an id of its own, the event's with
    # `@<agency>`, so that each row is published once.

    @staticmethod
    def _copied(unit: Unit, copies: list[OutboxEvent]) -> list[OutboxEvent]:
        """The copies' outbox rows, after the national rows they follow."""
        if copies:
            unit.add_to_outbox(copies)
        return copies

    def _revision_copies(self, revisions: Sequence[NewRevision]) -> list[OutboxEvent]:
        """Each revision on its employee's agency's topic; none without an agency."""
        return [
            _copy(n.event, self.output_topic, agency)
            for n in revisions
            if (agency := n.current.index.agency_code) is not None
        ]

    def _snapshot_copies(
        self,
        unit: Unit,
        snapshots: Sequence[NewSnapshot],
        was: Mapping[str, str | None],
        made: set[str],
        now: datetime,
    ) -> list[OutboxEvent]:
        """Each snapshot on its agency's topic. An employee whose snapshot names another
        agency than the one last published for has moved: the old agency's topic gets one last
        snapshot saying so (`left_agency`, nothing personal), and the new agency's topics the
        snapshot and the employee's latest revision (from memory where this batch made one,
        else rebuilt from the stored revision: the same id and content as it was)."""
        copies: list[OutboxEvent] = []
        joined: list[NewSnapshot] = []
        for n in snapshots:
            old, new = was.get(n.nip), n.agency_code
            if old is not None and old != new:
                left_id, payload = left_payload(n.nip, n.version, new, now)
                event = OutboxEvent(left_id, self.reconciled_topic, n.nip, payload)
                copies.append(_copy(event, self.reconciled_topic, old))
            if new is not None:
                copies.append(_copy(n.event, self.reconciled_topic, new))
                if old != new and n.nip not in made:
                    joined.append(n)
        if joined:
            latest = unit.latest_revisions(
                [n.nip for n in joined], self.measurement_year, self.rules.version
            )
            for n in joined:
                if n.nip in latest and n.agency_code is not None:
                    event = self._past_event(latest[n.nip])
                    copies.append(_copy(event, self.output_topic, n.agency_code))
        return copies

    def _past_event(self, past: PastRevision) -> OutboxEvent:
        """A stored revision's event, as it was made (`_revision`)."""
        at = past.current.computed_at
        event_id, payload = recalculated_payload(past.current, past.previous, past.caused_by, at)
        return OutboxEvent(event_id, self.output_topic, past.current.index.nip, payload)

    def _agency_events(
        self, unit: Unit, changed: dict[AgencyKey, Figures], now: datetime
    ) -> list[OutboxEvent]:
        """The agencies' new figures, each published once for this batch (contracts §10)."""
        events = []
        for key, figures, version in unit.add_to_agencies(changed):
            event_id, payload = agency_payload(key, figures, version, now)
            events.append(OutboxEvent(event_id, self.agency_topic, key[0], payload))
        unit.add_to_outbox(events)
        return events

    def _known(self, unit: Unit, new: Sequence[Statement]) -> dict[str, Known]:
        """What is known of each NIP with a new statement: from the cache where the database
        vouches for it, else its latest statements read."""
        added: dict[str, list[Statement]] = {}
        for s in new:
            added.setdefault(s.nip, []).append(s)
        versions = unit.versions(added)
        known: dict[str, Known] = {}
        for nip, mine in added.items():
            found = self.cache.current(nip, versions[nip], mine)
            if found is not None:
                known[nip] = found
        read = unit.latest_statements_of(nip for nip in added if nip not in known)
        known.update((nip, Known.read(latest, versions[nip])) for nip, latest in read.items())
        return known

    def _revision(
        self,
        result: IndexResult,
        before: IndexRevision | None,
        caused_by: Sequence[Cause],
        now: datetime,
    ) -> NewRevision:
        current = IndexRevision(result, before.revision + 1 if before else 1, now)
        previous = before.index if before else None
        event_id, payload = recalculated_payload(current, previous, caused_by, now)
        return NewRevision(
            current=current,
            previous=previous,
            caused_by=[{"source": source, "id": id_} for source, id_ in caused_by],
            event=OutboxEvent(event_id, self.output_topic, result.nip, payload),
        )
