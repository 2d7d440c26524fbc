"""resolve(): every statement about one employee → reconciled records and conflicts.

The result depends only on the set of statements, never on their arrival order: each choice
below is a maximum over a total order.
"""

from __future__ import annotations

from collections import defaultdict
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
)
from worker.domain.rules import RuleSet, regional_agency

RecordKey = tuple[Kind, str | None]


def latest_per_source(
    statements: Iterable[Statement],
) -> dict[RecordKey, dict[str, Statement]]:
    """Rule 1: for each record, only each source's latest statement counts."""
    latest: dict[RecordKey, dict[str, Statement]] = defaultdict(dict)
    for s in statements:
        by_source = latest[s.key]
        held = by_source.get(s.source)
        if held is None or recency(s) > recency(held):
            by_source[s.source] = s
    return latest


def _precedence_order(rules: RuleSet, kind: Kind) -> Any:
    def order(s: Statement) -> tuple[int, Any, str]:
        rank = rules.rank(s.source, kind)
        assert rank is not None  # filtered by the caller  # noqa: S101
        # Higher precedence first (lower rank); equal ranks by recency; source breaks the rest.
        return (-rank, recency(s), s.source)

    return order


def _pick(
    nip: str, kind: Kind, candidates: Iterable[Statement], rules: RuleSet
) -> tuple[Statement | None, list[Conflict]]:
    """Rules 2 and 4: the winning statement of one record and the conflicts with it."""
    allowed = [s for s in candidates if rules.may_send(s.source, kind)]
    if len(allowed) < 2:  # most records: one source, nothing to weigh
        return (allowed[0] if allowed else None), []
    winner = max(allowed, key=_precedence_order(rules, kind))
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
        )
        for s in sorted(allowed, key=lambda s: s.source)
        if s is not winner and s.values != winner.values
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
    nip: str, by_source: dict[str, Statement], rules: RuleSet
) -> tuple[Statement | None, list[Conflict]]:
    # Rule 3 for the profile itself: a regional upsert always names its own agency (checked
    # on the way in), but a regional delete names none. It counts only where the profile
    # reconciled without regional deletes belongs to that region's agency.
    def regional_delete(s: Statement) -> bool:
        return s.values is None and regional_agency(s.source) is not None

    kept = [s for s in by_source.values() if not regional_delete(s)]
    base, _ = _pick(nip, "profile", kept, rules)
    agency = str(base.values.get("agency_code")) if base and base.values else None
    eligible = kept + [
        s for s in by_source.values() if regional_delete(s) and regional_agency(s.source) == agency
    ]
    return _pick(nip, "profile", eligible, rules)


def resolve(nip: str, statements: Iterable[Statement], rules: RuleSet) -> Resolution:
    latest = latest_per_source(statements)
    profile_winner, conflicts = _pick_profile(nip, latest.pop(("profile", None), {}), rules)
    profile = _as_record(profile_winner)
    agency_code = str(profile.values.get("agency_code")) if profile else None

    records: dict[RecordKey, Record] = {}
    for (kind, record_id), by_source in sorted(latest.items(), key=_key_order):
        if len(by_source) == 1:
            # Most records have one source: nothing to weigh, no conflict (the fast path).
            (only,) = by_source.values()
            if _in_scope(only.source, agency_code) and rules.may_send(only.source, kind):
                if (record := _as_record(only)) is not None:
                    records[(kind, record_id)] = record
            continue
        in_scope = [s for s in by_source.values() if _in_scope(s.source, agency_code)]
        winner, found = _pick(nip, kind, in_scope, rules)
        conflicts.extend(found)
        if (record := _as_record(winner)) is not None:
            records[(kind, record_id)] = record

    # `records` is in key order already: each kind's history comes out sorted by record id.
    by_kind: dict[Kind, list[Record]] = {kind: [] for kind in HISTORY_KINDS}
    for (kind, _), record in records.items():
        if kind in by_kind:
            by_kind[kind].append(record)
    history: Mapping[Kind, tuple[Record, ...]] = {k: tuple(v) for k, v in by_kind.items()}
    return Resolution(
        nip=nip,
        profile=profile,
        position=records.get(("position", None)),
        history=history,
        conflicts=tuple(conflicts),
    )


def _key_order(item: tuple[RecordKey, object]) -> tuple[str, str]:
    (kind, record_id), _ = item
    return (kind, record_id or "")
