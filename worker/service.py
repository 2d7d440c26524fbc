"""Statements in, reconciled records, indexes and outbox rows out: one database transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from schemas.recalculated import CausedBy, recalculated_event, recalculation
from schemas.reconciled import NOTHING_DIGEST, digest, reconciled_payload
from worker.cache import EmployeeCache, Known
from worker.domain.index import score
from worker.domain.model import Conflict, IndexResult, IndexRevision, Resolution, Statement
from worker.domain.reconcile import closing_reason, re_resolve, resolve_latest
from worker.domain.rules import RuleSet
from worker.ports import NewRevision, NewSnapshot, Origin, RecordChanges, Store, Unit


@dataclass(slots=True)
class BatchOutcome:
    new: list[Statement] = field(default_factory=list)  # stored now, not seen before
    duplicates: int = 0
    recalculated: int = 0  # NIPs whose index was computed again
    revisions: list[NewRevision] = field(default_factory=list)
    conflicts: dict[str, int] = field(default_factory=dict)  # newly stored, by record kind
    closed: dict[str, int] = field(default_factory=dict)  # conflicts closed, by why
    snapshots: int = 0  # new reconciled snapshot versions


def _changed(before: IndexRevision | None, after: IndexResult) -> bool:
    """Only a changed score, band or dimension is published (contracts §4): not the agency
    alone, and no withdrawal of an index that is not there."""
    was = before.index if before else None
    if was is None or not was.has_index:
        return after.has_index
    return (was.score, was.band, was.dimensions) != (after.score, after.band, after.dimensions)


def _changes(stored: Resolution | None, resolution: Resolution, changes: RecordChanges) -> None:
    """Add what to write of the resolution to `changes`."""
    if stored is None:
        changes.rewritten.append(resolution)
        return
    changed, gone = resolution.changes_since(stored)
    changes.changed += [(resolution.nip, r) for r in changed]
    changes.gone += [(resolution.nip, r) for r in gone]


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
    ) -> None:
        self.store = store
        self.rules = rules
        self.measurement_year = measurement_year
        self.output_topic = output_topic
        self.reconciled_topic = reconciled_topic
        self.cache = cache if cache is not None else EmployeeCache(0)

    def apply(
        self, incoming: Sequence[tuple[Statement, Origin]], now: datetime, *, commit: bool = True
    ) -> BatchOutcome:
        """Store new statements and recompute the index of only the NIPs they touch.

        commit=False rolls it all back: a trial that tells whether the database accepts it.
        """
        outcome = BatchOutcome()
        committed: dict[str, tuple[Known, Resolution]] = {}
        with self.store.unit(now, commit=commit) as unit:
            new = outcome.new = unit.add_statements(incoming)
            outcome.duplicates = len(incoming) - len(new)
            causes: dict[str, list[CausedBy]] = {}
            for s in new:
                causes.setdefault(s.nip, []).append(CausedBy(source=s.source, id=s.event_id))
            if not causes:
                return outcome
            changes = RecordChanges()
            resolved: list[tuple[Resolution, Known]] = []
            for nip, known in sorted(self._known(unit, new).items()):
                resolution = _resolved(nip, known, self.rules)
                committed[nip] = (known, resolution)
                if resolution is not known.stored:  # else nothing the index depends on moved
                    _changes(known.stored, resolution, changes)
                    resolved.append((resolution, known))
            current = unit.current_indexes(
                [r.nip for r, _ in resolved], self.measurement_year, self.rules.version
            )
            for resolution, _ in resolved:
                result = score(resolution, self.measurement_year, self.rules)
                before = current.get(resolution.nip)
                if _changed(before, result):
                    revision = self._revision(result, before, causes[resolution.nip], now)
                    outcome.revisions.append(revision)
            unit.write_records(changes)
            opened, closing = self._conflict_changes(unit, resolved)
            outcome.conflicts = unit.add_conflicts(opened)
            unit.close_conflicts(closing)
            outcome.closed = dict(Counter(reason for _, reason in closing))
            outcome.recalculated = len(committed)
            unit.save_revisions(outcome.revisions)
            snapshots = self._snapshots(unit, [r for r, _ in resolved], causes, now)
            unit.save_snapshots(snapshots)
            outcome.snapshots = len(snapshots)
        if commit:
            self.cache.remember(committed)  # only what the database now holds
        return outcome

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
        causes: dict[str, list[CausedBy]],
        now: datetime,
    ) -> list[NewSnapshot]:
        """A new snapshot version of each employee whose records, their values or their
        sources changed since the version last published (contracts §6)."""
        said = {r.nip: digest(r) for r in resolved}
        last = unit.snapshot_versions(said)
        new: list[NewSnapshot] = []
        for resolution in resolved:
            version, was = last.get(resolution.nip, (0, NOTHING_DIGEST))
            if said[resolution.nip] == was:
                continue
            event_id, payload = reconciled_payload(
                resolution, version + 1, causes[resolution.nip], now
            )
            new.append(
                NewSnapshot(
                    nip=resolution.nip,
                    version=version + 1,
                    digest=said[resolution.nip],
                    event_id=event_id,
                    topic=self.reconciled_topic,
                    payload=payload,
                )
            )
        return new

    def _known(self, unit: Unit, new: Sequence[Statement]) -> dict[str, Known]:
        """What is known of each NIP with a new statement: from the cache where the database
        vouches for it, else its statements read."""
        added: dict[str, list[Statement]] = {}
        for s in new:
            added.setdefault(s.nip, []).append(s)
        stored = unit.statement_counts(added)
        known: dict[str, Known] = {}
        for nip, mine in added.items():
            found = self.cache.current(nip, stored.get(nip, 0), mine)
            if found is not None:
                known[nip] = found
        read = unit.statements_of(nip for nip in added if nip not in known)
        known.update((nip, Known.read(every)) for nip, every in read.items())
        return known

    def _revision(
        self,
        result: IndexResult,
        before: IndexRevision | None,
        caused_by: list[CausedBy],
        now: datetime,
    ) -> NewRevision:
        current = IndexRevision(result, before.revision + 1 if before else 1, now)
        previous = before.index if before else None
        event = recalculated_event(recalculation(current, previous, caused_by), now)
        return NewRevision(
            current=current,
            previous=previous,
            caused_by=[c.model_dump() for c in caused_by],
            event_id=event.id,
            topic=self.output_topic,
            payload=event.model_dump_json(),
        )
