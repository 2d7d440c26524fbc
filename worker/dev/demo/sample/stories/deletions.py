"""Deletions: a record a source removes, so it is absent, even when the delete arrives before
the upsert it deletes."""

from __future__ import annotations

from datetime import timedelta

from worker.dev.demo.sample.stories.corrections import last_years_appraisal
from worker.dev.demo.sample.stream import EKINERJA, SIASN, Employee, Event, Stream


def duplicate_row_deleted_early(stream: Stream, emp: Employee) -> bool:
    """The SIMPEG enters a technical training twice and deletes the extra row; the delete,
    with a later time, arrives before the upsert it deletes."""
    regional = emp.regional
    if regional is None or not emp.in_simpeg:
        return False
    row = stream.own_row(emp, "training")
    end = stream.random_day(stream.year, 1, 10)
    values = {
        "category": "technical",
        "name": stream.rng.choice(stream.words.technical),
        "start_date": (end - timedelta(days=3)).isoformat(),
        "end_date": end.isoformat(),
        "hours": 24,
    }
    note = (
        "technical training entered twice by mistake (24 JP; its delete, "
        "with a later time, arrives first: the row stays deleted)"
    )
    upsert = stream.emit(regional, "training", emp, values, end, note, row)
    note = "removes the row entered twice (later time; arrives BEFORE its upsert)"
    time = upsert.time + timedelta(days=stream.rng.randint(1, 10))
    delete = stream.emit(regional, "training", emp, None, end, note, row, deleted=True, time=time)
    delete.arrive_before = upsert
    return True


def punishment_annulled(stream: Stream, emp: Employee) -> bool:
    """siasn records a medium punishment of N-1, then deletes it when the appeal annuls it."""
    if not emp.in_siasn:
        return False
    row = stream.national_id()
    start = stream.random_day(stream.year - 1)
    values = {
        "level": "medium",
        "decree_number": f"862.3/{stream.rng.randint(10, 999)}-BKPSDM/{start.year}",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=360)).isoformat(),
    }
    note = "medium punishment, annulled on appeal later"
    upsert = stream.emit(SIASN, "discipline", emp, values, start, note, row)
    note = "punishment annulled on appeal (later time; the record is absent)"
    time = upsert.time + timedelta(days=stream.rng.randint(30, 90))
    stream.emit(SIASN, "discipline", emp, None, start, note, row, deleted=True, time=time)
    return True


def position_deleted_early(stream: Stream, emp: Employee) -> bool:
    """The position is vacated: siasn deletes it, and the delete arrives before the upsert."""
    original = stream.find(emp, SIASN, "position")
    if original is None:
        return False
    note = (
        "position vacated (later time; arrives BEFORE the upsert it deletes): no position, no index"
    )
    time = original.time + timedelta(days=stream.rng.randint(5, 60))
    delete = stream.emit(
        SIASN, "position", emp, None, stream.day(0, 1, 1), note, deleted=True, time=time
    )
    delete.arrive_before = original
    return True


def appraisal_withdrawn(stream: Stream, emp: Employee) -> bool:
    """ekinerja withdraws the appraisal of N-1; siasn's old score on the same row does not
    count either, as ekinerja outranks siasn."""
    original = last_years_appraisal(stream, emp)
    if original is None or original.data is None:
        return False
    row = original.data["record_id"]
    if _siasn_score_on(stream, emp, row) is None:
        _add_siasn_score(stream, emp, original, row)
    note = "appraisal withdrawn (ekinerja outranks siasn, so the record is absent)"
    time = original.time + timedelta(days=15)
    known_on = original.time.date()
    stream.emit(EKINERJA, "performance", emp, None, known_on, note, row, deleted=True, time=time)
    return True


def _siasn_score_on(stream: Stream, emp: Employee, row: str) -> Event | None:
    return stream.find(
        emp, SIASN, "performance", lambda e: e.data is not None and e.data["record_id"] == row
    )


def _add_siasn_score(stream: Stream, emp: Employee, original: Event, row: str) -> None:
    year = stream.year - 1
    note = f"{year} appraisal, old-scale score 88 (does not count: ekinerja deleted the row)"
    values = {"year": year, "score": 88}
    stream.emit(SIASN, "performance", emp, values, original.time.date(), note, row)


def profile_deleted(stream: Stream, emp: Employee) -> bool:
    """A SIMPEG entered a profile under a wrong NIP and deletes it: no profile, no index."""
    original = stream.find(emp, emp.regional or "", "profile")
    if emp.in_siasn or original is None:
        return False
    note = "profile entered under a wrong NIP, deleted (no index)"
    time = original.time + timedelta(days=stream.rng.randint(10, 40))
    stream.emit(
        original.source, "profile", emp, None, stream.day(0, 1, 1), note, deleted=True, time=time
    )
    return True
