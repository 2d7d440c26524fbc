"""resolve(): the latest statement per source, source precedence, scope and conflicts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.factories import (
    BKN_8_2019,
    NIP,
    T0,
    at,
    deletion,
    discipline_values,
    education_values,
    employee,
    performance_values,
    position_values,
    profile_values,
    resolve_and_score,
    statement,
    training_values,
)
from worker.domain.model import Conflict, Kind, Record, Resolution, Statement
from worker.domain.reconcile import Latest, re_resolve, resolve

REGIONAL = "simpeg:3201"
OTHER_REGIONAL = "simpeg:7317"
PREDICATES = ["SANGAT_BAIK", "BAIK", "CUKUP", "KURANG", "BURUK"]


def _values(kind: Kind, n: int) -> dict[str, Any]:
    """Realistic values of a kind; different n, different values."""
    if kind == "profile":
        return profile_values("3201", name=f"Pegawai {n}")
    if kind == "position":
        return {**position_values("pelaksana"), "position_name": f"Jabatan {n}"}
    if kind == "education":
        return {**education_values("S1", date(2010, 1, 1)), "institution": f"Kampus {n}"}
    if kind == "training":
        return training_values("technical", date(2025, 1, 1), 10 + n)
    if kind == "performance":
        return performance_values(2024, PREDICATES[n % len(PREDICATES)])
    return {**discipline_values("light", date(2023, 1, 1)), "decree_number": f"SK-{n}"}


def _resolve(*stream: Statement) -> Resolution:
    return resolve(NIP, list(stream), BKN_8_2019)


def _the_record(resolution: Resolution, kind: Kind, record_id: str | None = "r1") -> Record | None:
    found = [r for r in resolution.records(kind) if r.record_id == record_id]
    return found[0] if found else None


def _profile_3201() -> Statement:
    # Regional statements about 3201 staff count only while the profile says agency 3201.
    return statement("profile", profile_values("3201"), time=at(-100))


def _rid(kind: Kind) -> str | None:
    return None if kind in ("profile", "position") else "r1"


# --- rule 2: precedence ----------------------------------------------------------------------

# Copied from contracts.md §2, highest first.
PRECEDENCE: list[tuple[Kind, list[str]]] = [
    ("performance", ["ekinerja", "siasn", REGIONAL]),
    ("performance", ["ekinerja", REGIONAL]),
    ("performance", ["siasn", REGIONAL]),
    ("profile", ["siasn", REGIONAL]),
    ("position", ["siasn", REGIONAL]),
    ("education", ["siasn", REGIONAL]),
    ("training", ["siasn", REGIONAL]),
    ("discipline", ["siasn", REGIONAL]),
]


@pytest.mark.parametrize(("kind", "sources"), PRECEDENCE)
@pytest.mark.parametrize("arrival", ["highest first", "highest last"])
def test_the_highest_precedence_source_wins_even_when_it_spoke_earliest(
    kind: Kind, sources: list[str], arrival: str
) -> None:
    # The highest source speaks first in time; the lower ones correct it later, in vain.
    stream = [
        statement(kind, _values(kind, n), source=source, record_id=_rid(kind), time=at(n))
        for n, source in enumerate(sources)
    ]
    if arrival == "highest last":
        stream.reverse()
    winner = _the_record(_resolve(_profile_3201(), *stream), kind, _rid(kind))
    assert winner is not None
    assert (winner.source, winner.values) == (sources[0], _values(kind, 0))


@pytest.mark.parametrize("kind", ["profile", "position", "education", "training", "discipline"])
def test_ekinerja_is_not_heard_on_kinds_other_than_performance(kind: Kind) -> None:
    resolution = _resolve(
        _profile_3201(),
        statement(kind, _values(kind, 1), source=REGIONAL, record_id=_rid(kind), time=at(0)),
        statement(kind, _values(kind, 2), source="ekinerja", record_id=_rid(kind), time=at(9)),
    )
    winner = _the_record(resolution, kind, _rid(kind))
    assert winner is not None
    assert winner.source == (REGIONAL if kind != "profile" else "siasn")


# --- rule 1: the latest statement of each source ---------------------------------------------

WIB = timezone(timedelta(hours=7))

# (time, sequence, event id) of an older and a newer statement of the same source.
RECENCY: list[tuple[str, tuple[datetime, int | None, str], tuple[datetime, int | None, str]]] = [
    ("later time wins over a smaller id", (at(0), None, "b"), (at(1), None, "a")),
    ("later time wins over a higher sequence", (at(0), 9, "z"), (at(1), 0, "a")),
    ("later time wins without a sequence", (at(0), 9, "z"), (at(1), None, "a")),
    ("same time: higher sequence wins", (at(0), 1, "z"), (at(0), 2, "a")),
    ("same time: any sequence beats none", (at(0), None, "z"), (at(0), 0, "a")),
    ("same time and sequence: larger id", (at(0), 3, "a"), (at(0), 3, "b")),
    ("same time, no sequences: larger id", (at(0), None, "ev-1"), (at(0), None, "ev-2")),
    ("ids compare as strings", (at(0), None, "ev-10"), (at(0), None, "ev-9")),
    ("same instant in another offset is a tie", (T0.astimezone(WIB), None, "z"), (T0, 1, "a")),
]


@pytest.mark.parametrize(("case", "older", "newer"), RECENCY, ids=[c[0] for c in RECENCY])
@pytest.mark.parametrize("kind", ["position", "education"])
def test_only_the_latest_statement_of_a_source_counts_whatever_the_arrival_order(
    case: str,
    older: tuple[datetime, int | None, str],
    newer: tuple[datetime, int | None, str],
    kind: Kind,
) -> None:
    def said(when: tuple[datetime, int | None, str], n: int) -> Statement:
        time, sequence, event_id = when
        return statement(
            kind,
            _values(kind, n),
            record_id=_rid(kind),
            time=time,
            sequence=sequence,
            event_id=event_id,
        )

    for stream in ([said(older, 1), said(newer, 2)], [said(newer, 2), said(older, 1)]):
        winner = _the_record(_resolve(*stream), kind, _rid(kind))
        assert winner is not None
        assert winner.values == _values(kind, 2)
        assert winner.event_id == newer[2]


@pytest.mark.parametrize("kind", ["education", "training", "performance", "discipline"])
def test_a_delete_that_arrives_before_the_upsert_it_deletes_still_deletes(kind: Kind) -> None:
    resolution = _resolve(
        deletion(kind, record_id="r1", time=at(5)),
        statement(kind, _values(kind, 1), record_id="r1", time=at(0)),
    )
    assert resolution.records(kind) == ()


@pytest.mark.parametrize("kind", ["profile", "position"])
def test_a_profile_or_position_deleted_before_its_upsert_arrives_leaves_no_index(
    kind: Kind,
) -> None:
    stream = [
        deletion(kind, time=at(5)),
        *(s for s in employee() if s.kind == kind),
        *(s for s in employee() if s.kind != kind),
    ]
    resolution, result = resolve_and_score(stream)
    assert resolution.records(kind) == ()
    assert result.score is None


def test_an_upsert_newer_than_a_delete_restores_the_record() -> None:
    resolution = _resolve(
        statement("education", _values("education", 2), time=at(9)),
        deletion("education", time=at(5)),
        statement("education", _values("education", 1), time=at(0)),
    )
    winner = _the_record(resolution, "education")
    assert winner is not None
    assert winner.values == _values("education", 2)


def test_a_newer_statement_of_the_same_source_corrects_the_record_without_a_conflict() -> None:
    resolution = _resolve(
        statement("training", training_values("technical", date(2025, 2, 1), 24), time=at(1)),
        statement("training", training_values("technical", date(2025, 2, 1), 42), time=at(0)),
    )
    winner = _the_record(resolution, "training")
    assert winner is not None
    assert winner.values["hours"] == 24
    assert resolution.conflicts == ()


# --- rule 2: deletes and gaps across sources -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "higher", "lower"),
    [
        ("education", "siasn", REGIONAL),
        ("discipline", "siasn", REGIONAL),
        ("performance", "ekinerja", "siasn"),
        ("performance", "ekinerja", REGIONAL),
        ("performance", "siasn", REGIONAL),
    ],
)
def test_a_delete_from_a_higher_source_hides_a_lower_sources_record(
    kind: Kind, higher: str, lower: str
) -> None:
    resolution = _resolve(
        _profile_3201(),
        deletion(kind, source=higher, time=at(0)),
        statement(kind, _values(kind, 1), source=lower, time=at(9)),
    )
    assert resolution.records(kind) == ()


def test_lower_sources_fill_records_no_higher_source_spoke_of() -> None:
    resolution = _resolve(
        _profile_3201(),
        statement("education", _values("education", 1), record_id="E-1"),
        statement("education", _values("education", 2), source=REGIONAL, record_id="E-1"),
        statement("education", _values("education", 3), source=REGIONAL, record_id="S-9"),
    )
    assert [(r.record_id, r.source) for r in resolution.records("education")] == [
        ("E-1", "siasn"),
        ("S-9", REGIONAL),
    ]


def test_a_lower_sources_delete_does_not_hide_a_higher_sources_record() -> None:
    resolution = _resolve(
        _profile_3201(),
        statement("education", _values("education", 1), time=at(0)),
        deletion("education", source=REGIONAL, time=at(9)),
    )
    winner = _the_record(resolution, "education")
    assert winner is not None
    assert winner.source == "siasn"


def test_history_records_come_sorted_by_record_id() -> None:
    resolution = _resolve(
        *(
            statement("education", _values("education", n), record_id=rid)
            for n, rid in enumerate(["E-3", "E-1", "E-2"])
        )
    )
    assert [r.record_id for r in resolution.records("education")] == ["E-1", "E-2", "E-3"]


# --- rule 3: agency scope --------------------------------------------------------------------


def _regional_education(source: str = REGIONAL) -> Statement:
    return statement(
        "education",
        education_values("S2", date(2020, 3, 1)),
        source=source,
        record_id="S-1",
        time=at(3),
    )


def test_regional_statement_about_another_agencys_staff_is_ignored() -> None:
    resolution = _resolve(
        statement("profile", profile_values("7317"), time=at(0)),
        _regional_education(REGIONAL),
    )
    assert resolution.records("education") == ()


def test_regional_statement_counts_again_when_the_profile_moves_to_its_agency() -> None:
    stream = [statement("profile", profile_values("7317"), time=at(0)), _regional_education()]
    moved = statement("profile", profile_values("3201"), time=at(10))
    for arrivals in ([*stream, moved], [moved, *stream]):
        (education,) = _resolve(*arrivals).records("education")
        assert education.source == REGIONAL


def test_regional_statement_about_an_employee_without_a_profile_is_ignored() -> None:
    assert _resolve(_regional_education()).records("education") == ()


def test_regional_position_for_another_agencys_employee_gives_no_index() -> None:
    stream = [
        statement("profile", profile_values("7317")),
        statement("position", position_values("pelaksana"), source=REGIONAL),
    ]
    resolution, result = resolve_and_score(stream)
    assert resolution.position is None
    assert result.score is None


def test_national_statements_count_whatever_the_agency() -> None:
    resolution = _resolve(
        statement("profile", profile_values("7317")),
        statement("education", _values("education", 1)),
        statement("performance", _values("performance", 1), source="ekinerja"),
    )
    assert len(resolution.records("education")) == 1
    assert len(resolution.records("performance")) == 1


def test_an_ignored_regional_statement_raises_no_conflict() -> None:
    resolution = _resolve(
        statement("profile", profile_values("7317")),
        statement("education", _values("education", 1)),
        statement("education", _values("education", 2), source=REGIONAL),
    )
    assert resolution.conflicts == ()


@pytest.mark.parametrize(
    ("first", "second"), [(REGIONAL, OTHER_REGIONAL), (OTHER_REGIONAL, REGIONAL)]
)
def test_two_regional_profiles_are_compared_by_recency(first: str, second: str) -> None:
    agency = {REGIONAL: "3201", OTHER_REGIONAL: "7317"}
    newer = statement("profile", profile_values(agency[second]), source=second, time=at(5))
    older = statement("profile", profile_values(agency[first]), source=first, time=at(0))
    education = [_regional_education(REGIONAL), _regional_education(OTHER_REGIONAL)]
    resolution = _resolve(newer, *education, older)
    assert resolution.profile is not None
    assert resolution.profile.source == second
    # Only the agency the employee now belongs to speaks about them.
    assert [r.source for r in resolution.records("education")] == [second]


def test_two_regional_profiles_at_the_same_time_are_ordered_by_sequence() -> None:
    resolution = _resolve(
        statement("profile", profile_values("7317"), source=OTHER_REGIONAL, sequence=None),
        statement("profile", profile_values("3201"), source=REGIONAL, sequence=0),
    )
    assert resolution.profile is not None
    assert resolution.profile.source == REGIONAL


# --- rule 4: conflicts -----------------------------------------------------------------------


def test_a_losing_statement_that_disagrees_is_recorded_with_both_values_and_sources() -> None:
    winning = statement("education", _values("education", 1), record_id="E-1", time=at(0))
    losing = statement(
        "education", _values("education", 2), source=REGIONAL, record_id="E-1", time=at(9)
    )
    resolution = _resolve(_profile_3201(), losing, winning)
    assert resolution.conflicts == (
        Conflict(
            nip=NIP,
            kind="education",
            record_id="E-1",
            winner_source="siasn",
            winner_event_id=winning.event_id,
            winner_values=_values("education", 1),
            loser_source=REGIONAL,
            loser_event_id=losing.event_id,
            loser_values=_values("education", 2),
            rule="precedence for education: siasn over simpeg:*",
        ),
    )


def test_sources_that_agree_raise_no_conflict() -> None:
    resolution = _resolve(
        _profile_3201(),
        statement("performance", _values("performance", 1), source="ekinerja"),
        statement("performance", _values("performance", 1)),
        statement("performance", _values("performance", 1), source=REGIONAL),
    )
    assert resolution.conflicts == ()


def test_each_disagreeing_source_raises_its_own_conflict() -> None:
    resolution = _resolve(
        _profile_3201(),
        statement("performance", _values("performance", 1), source="ekinerja"),
        statement("performance", _values("performance", 2)),
        statement("performance", _values("performance", 3), source=REGIONAL),
    )
    assert {(c.winner_source, c.loser_source) for c in resolution.conflicts} == {
        ("ekinerja", "siasn"),
        ("ekinerja", REGIONAL),
    }


def test_a_disagreeing_profile_is_a_conflict_too() -> None:
    resolution = _resolve(
        statement("profile", profile_values("3201", name="Siti R.")),
        statement("profile", profile_values("3201", name="Siti Rahma"), source=REGIONAL),
    )
    (conflict,) = resolution.conflicts
    assert (conflict.kind, conflict.record_id) == ("profile", None)
    assert conflict.winner_values is not None
    assert conflict.winner_values["name"] == "Siti R."


# --- no index --------------------------------------------------------------------------------


def test_an_employee_without_a_profile_has_no_index() -> None:
    stream = [s for s in employee() if s.kind != "profile"]
    _, result = resolve_and_score(stream)
    assert (result.score, result.band, result.dimensions) == (None, None, None)
    assert not result.has_index


def test_an_employee_without_a_position_has_no_index_but_keeps_the_agency() -> None:
    stream = [s for s in employee("7317") if s.kind != "position"]
    _, result = resolve_and_score(stream)
    assert (result.score, result.band, result.dimensions) == (None, None, None)
    assert result.agency_code == "7317"


def test_an_employee_with_a_profile_and_a_position_has_an_index() -> None:
    _, result = resolve_and_score(employee())
    assert result.has_index
    assert result.agency_code == "3201"


def test_a_regional_profile_delete_about_another_agencys_employee_is_ignored() -> None:
    from datetime import UTC, datetime

    from schemas.rules import load_rules
    from worker.domain.model import Statement
    from worker.domain.reconcile import resolve

    nip = "198703142010121001"
    own = Statement(
        nip,
        "simpeg:3201",
        "profile",
        None,
        "r1",
        datetime(2025, 1, 1, tzinfo=UTC),
        None,
        {"agency_code": "3201", "name": "Budi"},
    )
    foreign_delete = Statement(
        nip, "simpeg:7317", "profile", None, "x1", datetime(2025, 6, 1, tzinfo=UTC), None, None
    )
    own_delete = Statement(
        nip, "simpeg:3201", "profile", None, "r2", datetime(2025, 7, 1, tzinfo=UTC), None, None
    )
    rules = load_rules()

    kept = resolve(nip, [own, foreign_delete], rules)
    deleted = resolve(nip, [own, foreign_delete, own_delete], rules)

    assert kept.profile is not None
    assert kept.profile.event_id == "r1"
    assert deleted.profile is None


def test_picking_a_record_again_drops_the_conflict_its_sources_settled() -> None:
    s2 = education_values("S2", date(2020, 3, 1))
    national = statement("education", s2, source="siasn", time=T0)
    regional = statement(
        "education", education_values("S1", date(2010, 3, 1)), source="simpeg:3201", time=T0
    )
    base = [statement("profile", profile_values("3201")), national, regional]
    latest, touched = Latest().plus(base)
    before = re_resolve(Resolution.nothing(NIP), latest, touched, BKN_8_2019)
    # The region corrects its row to what the national system says: nothing left to settle.
    agreed = statement("education", s2, source="simpeg:3201", time=T0 + timedelta(days=1))
    latest, touched = latest.plus([agreed])
    after = re_resolve(before, latest, touched, BKN_8_2019)

    assert len(before.conflicts) == 1
    assert after.conflicts == ()
    assert after == resolve(NIP, [*base, agreed], BKN_8_2019)
