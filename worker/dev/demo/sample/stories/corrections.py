"""Corrections: a source states a record again with other values, and the later one wins,
whatever order the two arrive in."""

from __future__ import annotations

from datetime import date, timedelta

from worker.dev.demo.sample.stream import BOGOR, EKINERJA, SIASN, Employee, Event, Stream

# The predicate after an objection succeeds.
_BETTER = {
    "BAIK": "SANGAT_BAIK",
    "CUKUP": "BAIK",
    "BUTUH_PERBAIKAN": "CUKUP",
    "KURANG": "CUKUP",
    "BURUK": "KURANG",
    "SANGAT_KURANG": "BURUK",
    "SANGAT_BAIK": "BAIK",
}


def last_years_appraisal(stream: Stream, emp: Employee) -> Event | None:
    """ekinerja's appraisal of N-1 for emp, if it sent one."""
    return stream.find(
        emp,
        EKINERJA,
        "performance",
        lambda e: e.data is not None and e.data["year"] == stream.year - 1,
    )


def revised_appraisal(stream: Stream, emp: Employee) -> bool:
    """An objection succeeds: ekinerja restates the N-1 predicate one step better, later."""
    original = last_years_appraisal(stream, emp)
    if original is None or original.data is None:
        return False
    old = original.data["predicate"]
    new = _BETTER[old]
    stream.resend(
        original,
        {**original.data, "predicate": new},
        f"ekinerja performance upsert: correction {old} -> {new} after an "
        "objection (later time; wins)",
        stream.rng.randint(10, 40),
    )
    return True


def hours_corrected_same_time(stream: Stream, emp: Employee) -> bool:
    """simpeg:3201 corrects a technical training's hours (JP) with the same time and a higher
    sequence."""
    original = stream.find(
        emp,
        BOGOR,
        "training",
        lambda e: (
            e.data is not None
            and e.data["category"] == "technical"
            and e.data["end_date"].startswith(str(stream.year))
        ),
    )
    if original is None or original.data is None:
        return False
    hours = original.data["hours"]
    new = hours + 8 if hours < 20 else max(4, hours - 12)
    stream.resend(
        original,
        {**original.data, "hours": new},
        f"simpeg:3201 training upsert: correction {hours} -> {new} JP with the same "
        "time and a higher sequence (wins)",
        0,
    )
    return True


def position_corrected_out_of_order(stream: Stream, emp: Employee) -> bool:
    """siasn corrects the TMT of a position a month earlier; the correction arrives first."""
    original = stream.find(emp, SIASN, "position")
    if original is None or original.data is None:
        return False
    tmt = date.fromisoformat(original.data["tmt"]) - timedelta(days=31)
    tmt = max(tmt, emp.tmt_cpns)
    correction = stream.resend(
        original,
        {**original.data, "tmt": tmt.isoformat()},
        "siasn position upsert: correction of the TMT (later time; "
        "arrives BEFORE the statement it corrects; still wins)",
        stream.rng.randint(3, 20),
    )
    correction.arrive_before = original
    return True


def unit_changed(stream: Stream, emp: Employee) -> bool:
    """The employee moves to another unit of the same agency; siasn restates the profile."""
    original = stream.find(emp, SIASN, "profile")
    if original is None or original.data is None:
        return False
    unit = f"{emp.agency}.{stream.rng.choice(stream.words.units[emp.agency])}"
    if unit == original.data["unit_code"]:
        return False
    stream.resend(
        original,
        {**original.data, "unit_code": unit},
        "siasn profile upsert: correction, moved to another unit of the same "
        "agency (later time; wins)",
        stream.rng.randint(20, 120),
    )
    return True
