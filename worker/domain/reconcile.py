"""resolve(): every statement about one employee → reconciled records and conflicts.

The result depends only on the set of statements, never on their arrival order: each choice
below is a maximum over a total order. Only each source's latest statement about a record
counts (rule 1), so an employee's state is `Latest`; `Latest.plus` says which records new
statements touch, and `re_resolve` picks only those again: the same result as resolving every
statement, for a fraction of the work.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from worker.domain.model import (
    HISTORY_KINDS,
    Conflict,
    Kind,
    Record,
    Resolution,
    Statement,
    recency,
    record_order,
)
from worker.domain.rules import STEWARD, RuleSet, regional_agency

RecordKey = tuple[Kind, str | None]
PROFILE: RecordKey = ("profile", None)
POSITION: RecordKey = ("position", None)


# Each source's latest statement about one record, one per source. A tuple: most records have
# one source, and a tuple of one costs a third of a dict of one in every employee cache entry.
BySource = tuple[Statement, ...]


def of_source(by_source: BySource, source: str) -> Statement | None:
    for s in by_source:
        if s.source == source:
            return s
    return None


class Latest(dict[RecordKey, BySource]):
    """Rule 1: for each record, each source's latest statement; the others never count."""

    def plus(self, statements: Iterable[Statement]) -> tuple[Latest, set[RecordKey]]:
        """A copy that also takes in `statements`, and the records they touched; this one
        stays as it is (it shares what did not change with the copy)."""
        copy = Latest(self)
        touched: set[RecordKey] = set()
        for s in statements:
            key = s.key
            by_source = copy.get(key, ())
            held = of_source(by_source, s.source)
            if held is None:
                copy[key] = (*by_source, s)
            elif recency(s) > recency(held):
                copy[key] = tuple(s if other is held else other for other in by_source)
            else:
                continue
            touched.add(key)
        return copy, touched


def latest_per_source(statements: Iterable[Statement]) -> Latest:
    latest, _ = Latest().plus(statements)
    return latest


def _precedence_order(rules: RuleSet, kind: Kind) -> Any:
    def order(s: Statement) -> tuple[int, Any, str]:
        rank = rules.rank(s.source, kind)
        assert rank is not None  # filtered by the caller  # noqa: S101
        # Higher precedence first (lower rank); equal ranks by recency; source breaks the rest.
        return (-rank, recency(s), s.source)

    return order


def _folded(value: object) -> object:
    """A free-text value as compared for agreement: Unicode NFC, letter case folded, runs of
    spaces as one, none around it (contracts §2 rule 4)."""
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).casefold().split())
    return value


def agree(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Whether two statements' values say the same (a delete agrees only with a delete)."""
    if a == b:
        return True
    if a is None or b is None or a.keys() != b.keys():
        return False
    return all(_folded(a[k]) == _folded(b[k]) for k in a)


def closing_reason(conflict: Conflict, now: Resolution, latest: Latest) -> str:
    """Why a conflict the reconciled state no longer has closed: "steward" (a steward's pin
    decides the record), "agrees" (the losing source now says what the record says) or
    "superseded" (a statement of either side was replaced)."""
    key: RecordKey = (conflict.kind, conflict.record_id)
    by_source = latest.get(key, ())
    pin = of_source(by_source, STEWARD)
    if pin is not None and not pin.released:
        return "steward"
    record = now.get(key)
    loser = of_source(by_source, conflict.loser_source)
    if loser is not None and agree(loser.values, record.values if record else None):
        return "agrees"
    return "superseded"


def _pick(
    nip: str, kind: Kind, candidates: Iterable[Statement], rules: RuleSet
) -> tuple[Statement | None, list[Conflict]]:
    """Rules 2 and 4: the winning statement of one record and the conflicts with it. A
    steward's release is silent; a steward's pin has no conflicts: the steward decided."""
    allowed = [s for s in candidates if not s.released and rules.may_send(s.source, kind)]
    if len(allowed) < 2:  # most records: one source, nothing to weigh
        return (allowed[0] if allowed else None), []
    winner = max(allowed, key=_precedence_order(rules, kind))
    if winner.source == STEWARD:
        return winner, []
    conflicts = [
        Conflict(
            nip=nip,
            kind=kind,
            record_id=winner.record_id,
            winner_source=winner.source,
            winner_event_id=winner.event_id,
            winner_values=winner.values,
            loser_source=s.source,
            loser_event_id=s.event_id,
            loser_values=s.values,
            rule=rules.rule_between(winner.source, s.source, kind),
        )
        for s in sorted(allowed, key=lambda s: s.source)
        if s is not winner and not agree(s.values, winner.values)
    ]
    return winner, conflicts


def _as_record(s: Statement | None) -> Record | None:
    if s is None or s.values is None:
        return None
    return Record(s.kind, s.record_id, s.values, s.source, s.event_id, s.time)


def _in_scope(source: str, agency_code: str | None) -> bool:
    # Rule 3: a regional system speaks only about its own agency's staff.
    agency = regional_agency(source)
    return agency is None or agency == agency_code


def _pick_profile(
    nip: str, by_source: BySource, rules: RuleSet
) -> tuple[Statement | None, list[Conflict]]:
    # Rule 3 for the profile itself: a regional upsert always names its own agency (checked
    # on the way in), but a regional delete names none. It counts only where the profile
    # reconciled without regional deletes belongs to that region's agency.
    def regional_delete(s: Statement) -> bool:
        return s.values is None and regional_agency(s.source) is not None

    kept = [s for s in by_source if not regional_delete(s)]
    base, _ = _pick(nip, "profile", kept, rules)
    agency = str(base.values.get("agency_code")) if base and base.values else None
    eligible = kept + [
        s for s in by_source if regional_delete(s) and regional_agency(s.source) == agency
    ]
    return _pick(nip, "profile", eligible, rules)


def resolve(nip: str, statements: Iterable[Statement], rules: RuleSet) -> Resolution:
    return resolve_latest(nip, latest_per_source(statements), rules)


def resolve_latest(nip: str, latest: Latest, rules: RuleSet) -> Resolution:
    """Every record picked, from each source's latest statements."""
    profile_winner, profile_conflicts = _pick_profile(nip, latest.get(PROFILE, ()), rules)
    profile = _as_record(profile_winner)
    agency_code = _agency(profile)
    records: dict[RecordKey, Record] = {}
    conflicts: dict[RecordKey, list[Conflict]] = {}
    for key, by_source in latest.items():
        if key != PROFILE:
            _pick_record(nip, key, by_source, agency_code, rules, records, conflicts)
    return _assembled(nip, profile, profile_conflicts, records, conflicts)


def re_resolve(
    before: Resolution, latest: Latest, touched: set[RecordKey], rules: RuleSet
) -> Resolution:
    """`before` with the `touched` records picked again from `latest`: the same as
    resolve_latest(), as long as `before` is what `latest` gave before the new statements.
    What was not touched is carried over as it is: the position, the histories of the other
    kinds, the records of the touched kinds that were not."""
    if PROFILE in touched:  # the agency, and so what regional sources may say, may change
        return resolve_latest(before.nip, latest, rules)
    if not touched:
        return before
    conflicts: dict[RecordKey, list[Conflict]] = {}
    profile_conflicts = []
    for c in before.conflicts:
        key: RecordKey = (c.kind, c.record_id)
        if key == PROFILE:
            profile_conflicts.append(c)
        elif key not in touched:
            conflicts.setdefault(key, []).append(c)
    agency_code = _agency(before.profile)
    picked: dict[RecordKey, Record] = {}
    for key in touched:
        by_source = latest.get(key, ())
        _pick_record(before.nip, key, by_source, agency_code, rules, picked, conflicts)
    position = picked.get(POSITION) if POSITION in touched else before.position
    history = dict(before.history)
    for kind in {kind for kind, _ in touched if kind in HISTORY_KINDS}:
        kept = {r.record_id: r for r in history.get(kind, ()) if (kind, r.record_id) not in touched}
        kept.update((record_id, r) for (k, record_id), r in picked.items() if k == kind)
        history[kind] = tuple(sorted(kept.values(), key=record_order))
    return Resolution(
        nip=before.nip,
        profile=before.profile,
        position=position,
        history=history,
        conflicts=_conflicts_ordered(profile_conflicts, conflicts),
    )


def _agency(profile: Record | None) -> str | None:
    return str(profile.values.get("agency_code")) if profile else None


def _pick_record(
    nip: str,
    key: RecordKey,
    by_source: BySource,
    agency_code: str | None,
    rules: RuleSet,
    records: dict[RecordKey, Record],
    conflicts: dict[RecordKey, list[Conflict]],
) -> None:
    """Into `records` and `conflicts`: one record's winner, if any, and its conflicts."""
    kind = key[0]
    if len(by_source) == 1:
        # Most records have one source: nothing to weigh, no conflict (the fast path).
        (only,) = by_source
        allowed = (
            not only.released
            and _in_scope(only.source, agency_code)
            and rules.may_send(only.source, kind)
        )
        if allowed and (record := _as_record(only)) is not None:
            records[key] = record
        return
    in_scope = [s for s in by_source if _in_scope(s.source, agency_code)]
    winner, found = _pick(nip, kind, in_scope, rules)
    if found:
        conflicts[key] = found
    if (record := _as_record(winner)) is not None:
        records[key] = record


def _assembled(
    nip: str,
    profile: Record | None,
    profile_conflicts: list[Conflict],
    records: dict[RecordKey, Record],
    conflicts: dict[RecordKey, list[Conflict]],
) -> Resolution:
    """The resolution, in a canonical order: histories by record id; the profile's conflicts
    first, then each record's in record order."""
    by_kind: dict[Kind, list[Record]] = {kind: [] for kind in HISTORY_KINDS}
    for (kind, _), record in sorted(records.items(), key=_key_order):
        if kind in by_kind:
            by_kind[kind].append(record)
    return Resolution(
        nip=nip,
        profile=profile,
        position=records.get(POSITION),
        history={k: tuple(v) for k, v in by_kind.items()},
        conflicts=_conflicts_ordered(profile_conflicts, conflicts),
    )


def _conflicts_ordered(
    profile_conflicts: list[Conflict], conflicts: dict[RecordKey, list[Conflict]]
) -> tuple[Conflict, ...]:
    ordered = list(profile_conflicts)
    for _, found in sorted(conflicts.items(), key=_key_order):
        ordered.extend(found)
    return tuple(ordered)


def _key_order(item: tuple[RecordKey, object]) -> tuple[str, str]:
    (kind, record_id), _ = item
    return (kind, record_id or "")
