"""score(): reconciled records → the four dimensions, the IP ASN score and its band."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from worker.domain.model import (
    Band,
    Dimensions,
    IndexResult,
    PositionType,
    Record,
    Resolution,
)
from worker.domain.rules import RuleSet

ZERO = Decimal(0)


def _date(values: Mapping[str, Any], field: str) -> date | None:
    raw = values.get(field)
    return date.fromisoformat(raw) if isinstance(raw, str) else None


def cutoff(measurement_year: int) -> date:
    return date(measurement_year, 12, 31)


def qualification_points(
    education: Iterable[Record], measurement_year: int, rules: RuleSet
) -> Decimal:
    """The highest level graduated on or before the cut-off date."""
    last_day = cutoff(measurement_year)
    points = [
        rules.qualification.get(str(r.values.get("level")), ZERO)
        for r in education
        if (graduated := _date(r.values, "graduated_on")) is not None and graduated <= last_day
    ]
    return max(points, default=ZERO)


def echelon_of(raw: object) -> str | None:
    """'II.a' and 'II.b' are both echelon II."""
    if not isinstance(raw, str) or not raw:
        return None
    return raw.split(".", 1)[0].strip().upper()


def _ended_in(r: Record, rules_window: Any, measurement_year: int) -> bool:
    ended = _date(r.values, "end_date")
    return ended is not None and rules_window.contains(ended.year, measurement_year)


def _ended_by_cutoff(r: Record, measurement_year: int) -> bool:
    ended = _date(r.values, "end_date")
    return ended is not None and ended <= cutoff(measurement_year)


@dataclass(frozen=True, slots=True)
class Indicators:
    """What the records meet of the competency criteria for a measurement year: whether a
    matching leadership training, a functional training and a seminar count, and the JP of
    technical training that count. competency_points() and the options of
    worker/domain/improvement.py both read them, so the two never disagree."""

    leadership: bool
    functional: bool
    technical_hours: Decimal
    seminar: bool


def competency_indicators(
    position: Mapping[str, Any], training: Iterable[Record], measurement_year: int, rules: RuleSet
) -> Indicators:
    by_category: dict[str, list[Record]] = {}
    for r in training:
        by_category.setdefault(str(r.values.get("category")), []).append(r)

    tiers = matching_tiers(position, rules)
    return Indicators(
        leadership=any(
            r.values.get("leadership_tier") in tiers and _ended_by_cutoff(r, measurement_year)
            for r in by_category.get("leadership", [])
        ),
        functional=any(
            _ended_by_cutoff(r, measurement_year) for r in by_category.get("functional", [])
        ),
        technical_hours=sum(
            (
                Decimal(str(r.values.get("hours") or 0))
                for r in by_category.get("technical", [])
                if _ended_in(r, rules.technical_window, measurement_year)
            ),
            ZERO,
        ),
        seminar=any(
            _ended_in(r, rules.seminar_window, measurement_year)
            for r in by_category.get("seminar", [])
        ),
    )


def matching_tiers(position: Mapping[str, Any], rules: RuleSet) -> frozenset[str]:
    """The leadership tiers that match the position's echelon (none without one)."""
    return rules.leadership_tiers.get(echelon_of(position.get("echelon")) or "", frozenset())


def competency_points(
    position: Mapping[str, Any], training: Iterable[Record], measurement_year: int, rules: RuleSet
) -> Decimal:
    table = rules.competency.get(cast(PositionType, position.get("position_type")))
    if table is None:
        return ZERO
    met = competency_indicators(position, training, measurement_year, rules)
    earned = [
        (met.leadership, table.leadership),
        (met.functional, table.functional),
        (met.technical_hours >= rules.technical_min_hours, table.technical),
        (met.seminar, table.seminar),
    ]
    return sum((points for done, points in earned if done), ZERO)


def predicate_of_score(raw: object, rules: RuleSet) -> str:
    value = Decimal(str(raw))
    for minimum, predicate in rules.performance_score_predicates:
        if value >= minimum:
            return predicate
    return rules.performance_score_floor


def performance_points(
    performance: Iterable[Record], measurement_year: int, rules: RuleSet
) -> Decimal:
    """The appraisal of the year before the measurement year."""
    year = measurement_year + rules.performance_year_offset
    candidates = [r for r in performance if _as_int(r.values.get("year")) == year]
    if not candidates:
        return ZERO
    # Several records for the year: the latest winning statement counts, ties by record_id.
    chosen = max(candidates, key=lambda r: (r.time, r.record_id or ""))
    predicate = chosen.values.get("predicate")
    if predicate is None and chosen.values.get("score") is not None:
        predicate = predicate_of_score(chosen.values["score"], rules)
    return rules.performance_predicates.get(str(predicate), ZERO)


def _as_int(raw: object) -> int | None:
    try:
        return int(raw)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def discipline_points(
    discipline: Iterable[Record], measurement_year: int, rules: RuleSet
) -> Decimal:
    """The most severe punishment starting within the window; none: full points."""
    levels = {
        str(r.values.get("level"))
        for r in discipline
        if (started := _date(r.values, "start_date")) is not None
        and rules.discipline_window.contains(started.year, measurement_year)
    }
    for level in rules.discipline_severity:
        if level in levels:
            return rules.discipline_points[level]
    return rules.discipline_points["none"]


def band_of(score: Decimal, rules: RuleSet) -> Band:
    for threshold, band in rules.bands:
        if score > threshold:
            return band
    return rules.lowest_band


def score(resolution: Resolution, measurement_year: int, rules: RuleSet) -> IndexResult:
    profile, position = resolution.profile, resolution.position
    agency = str(profile.values["agency_code"]) if profile else None
    if profile is None or position is None:
        return IndexResult(
            resolution.nip, measurement_year, rules.version, None, None, None, agency
        )
    dimensions = Dimensions(
        qualification=qualification_points(
            resolution.records("education"), measurement_year, rules
        ),
        competency=competency_points(
            position.values, resolution.records("training"), measurement_year, rules
        ),
        performance=performance_points(resolution.records("performance"), measurement_year, rules),
        discipline=discipline_points(resolution.records("discipline"), measurement_year, rules),
    )
    total = dimensions.total
    return IndexResult(
        resolution.nip,
        measurement_year,
        rules.version,
        total,
        band_of(total, rules),
        dimensions,
        agency,
    )
