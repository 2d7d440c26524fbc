"""Convergence: any arrival order, with any redeliveries, gives the same result (contracts §2)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import (
    BKN_8_2019,
    NIP,
    OTHER_NIP,
    T0,
    YEAR,
    discipline_values,
    education_values,
    performance_values,
    position_values,
    profile_values,
    training_values,
)
from worker.domain.index import score
from worker.domain.model import KINDS, SINGLE_KINDS, Kind, Resolution, Statement
from worker.domain.reconcile import PROFILE, Latest, re_resolve, resolve
from worker.domain.rules import regional_agency

NIPS = (NIP, OTHER_NIP)
SOURCES = ("siasn", "ekinerja", "simpeg:3201", "simpeg:7317", "steward")
RECORD_IDS = ("r1", "r2", "r3")
WIB = timezone(timedelta(hours=7))
# Few distinct instants, so that ties in time are common; T0 in WIB is the same instant as T0.
TIMES: tuple[datetime, ...] = (
    T0,
    T0.astimezone(WIB),
    T0 + timedelta(minutes=1),
    T0 + timedelta(days=1),
)
EDGE_DATES = (
    date(YEAR - 5, 12, 31),
    date(YEAR - 1, 1, 1),
    date(YEAR - 1, 12, 31),
    date(YEAR, 1, 1),
    date(YEAR, 12, 31),
    date(YEAR + 1, 1, 1),
)
PREDICATES = ("SANGAT_BAIK", "BAIK", "CUKUP", "KURANG", "BURUK")
TIERS = ("PIM_III", "PKA", "PIM_IV")

# Small pools of realistic values, built once: sources often agree, and often do not.
POOL: dict[Kind, tuple[dict[str, Any], ...]] = {
    "position": (
        position_values("struktural", "III"),
        position_values("struktural", "III.a"),
        position_values("fungsional"),
        position_values("pelaksana"),
    ),
    "education": tuple(
        education_values(level, d) for level in ("S2", "S1", "SMA") for d in EDGE_DATES[3:]
    ),
    "training": (
        *(
            training_values(category, d, hours)
            for category in ("technical", "seminar")
            for d in EDGE_DATES[1:]
            for hours in ("8", "12", "20")
        ),
        *(training_values("functional", d, 40) for d in EDGE_DATES[4:]),
        *(
            training_values("leadership", d, 40, leadership_tier=tier)
            for tier in TIERS
            for d in EDGE_DATES[4:]
        ),
    ),
    "performance": (
        *(
            performance_values(year, predicate)
            for predicate in PREDICATES
            for year in (YEAR - 2, YEAR - 1, YEAR)
        ),
        *(performance_values(YEAR - 1, None, points) for points in ("50", "76", "92")),
        performance_values(YEAR - 1, "KURANG", "92"),
    ),
    "discipline": tuple(
        discipline_values(level, d) for level in ("light", "medium", "heavy") for d in EDGE_DATES
    ),
}
BASELINE: tuple[tuple[Kind, dict[str, Any]], ...] = (
    ("profile", profile_values("3201")),
    ("position", position_values("pelaksana")),
)
PROFILES = {
    agency: (profile_values(agency, name="Siti"), profile_values(agency, name="Rahma"))
    for agency in ("3201", "7317")
}


def _values(kind: Kind, source: str) -> st.SearchStrategy[dict[str, Any]]:
    if kind != "profile":
        return st.sampled_from(POOL[kind])
    # decode() refuses a regional profile of another agency, so none reaches resolve().
    agency = regional_agency(source)
    if agency is not None:
        return st.sampled_from(PROFILES[agency])
    return st.sampled_from(PROFILES["3201"] + PROFILES["7317"])


@st.composite
def _statement(draw: st.DrawFn, event_id: str) -> Statement:
    source = draw(st.sampled_from(SOURCES))
    kind: Kind = draw(st.sampled_from(KINDS))
    # A steward pins values or an absence, or releases a pin.
    released = source == "steward" and draw(st.integers(0, 2)) == 0
    deleted = released or draw(st.integers(0, 4)) == 0
    return Statement(
        nip=draw(st.sampled_from(NIPS)),
        source=source,
        kind=kind,
        record_id=None if kind in SINGLE_KINDS else draw(st.sampled_from(RECORD_IDS)),
        event_id=event_id,
        time=draw(st.sampled_from(TIMES)),
        sequence=draw(st.none() | st.integers(0, 2)),
        values=None if deleted else draw(_values(kind, source)),
        actor="steward-1" if source == "steward" else None,
        reason="checked the decree" if source == "steward" else None,
        released=released,
    )


@st.composite
def streams(draw: st.DrawFn) -> list[Statement]:
    size = draw(st.integers(0, 40))
    # (source, id) identifies an event, so ids are unique; their string order is arbitrary.
    ids = draw(st.lists(st.integers(0, 99), min_size=size, max_size=size, unique=True))
    # Usually start from an employee with a profile and a position, so most streams have an
    # index to compare; the generated statements may still correct or delete either.
    baseline = [
        Statement(nip, "siasn", kind, None, f"base-{nip}-{kind}", T0, None, values)
        for nip in NIPS
        for kind, values in BASELINE
        if draw(st.integers(0, 4)) > 0
    ]
    return baseline + [draw(_statement(f"ev-{i}")) for i in ids]


@settings(max_examples=200, deadline=None)
@given(stream=streams(), data=st.data())
def test_any_shuffle_and_duplication_gives_the_same_resolution_and_index(
    stream: list[Statement], data: st.DataObject
) -> None:
    redelivered = data.draw(st.lists(st.sampled_from(stream), max_size=10)) if stream else []
    arrivals = data.draw(st.permutations(stream + redelivered))
    for nip in NIPS:
        expected = resolve(nip, [s for s in stream if s.nip == nip], BKN_8_2019)
        actual = resolve(nip, [s for s in arrivals if s.nip == nip], BKN_8_2019)
        assert actual == expected
        assert score(actual, YEAR, BKN_8_2019) == score(expected, YEAR, BKN_8_2019)


@settings(max_examples=300, deadline=None)
@given(stream=streams(), data=st.data())
def test_picking_only_the_touched_records_again_gives_what_resolving_everything_gives(
    stream: list[Statement], data: st.DataObject
) -> None:
    # The worker's path: statements arrive in batches; after each, only the records they
    # touched are picked again (re_resolve), starting from the last resolution.
    arrivals = data.draw(st.permutations(stream))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(arrivals)), max_size=6)))
    for nip in NIPS:
        mine = [s for s in arrivals if s.nip == nip]
        latest, resolution = Latest(), Resolution.nothing(nip)
        for start, end in zip([0, *cuts], [*cuts, len(arrivals)], strict=True):
            batch = [s for s in arrivals[start:end] if s.nip == nip]
            latest, touched = latest.plus(batch)
            before, resolution = resolution, re_resolve(resolution, latest, touched, BKN_8_2019)
            if PROFILE not in touched:  # else every record is picked again: no keys to name
                # What the worker writes: the changes among the touched records alone.
                assert resolution.changes_since(before, touched) == resolution.changes_since(before)
        assert resolution == resolve(nip, mine, BKN_8_2019)
