"""What a regional system says that does not count (yet): a promotion siasn has not recorded,
and a former agency still speaking about an employee who moved away."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from worker.dev.demo.sample.people import struktural_name
from worker.dev.demo.sample.records import profile_values
from worker.dev.demo.sample.stream import LUWU, SIASN, Employee, Stream

# Why the former agency's statements do not count.
_MOVED = "(the employee moved to agency 3201: valid, but does not count)"


def promotion_not_yet_national(stream: Stream, emp: Employee) -> bool:
    """The SIMPEG records a promotion (pelaksana to fungsional, fungsional to Kepala Seksi)
    that siasn has not: a conflict on the position, which siasn wins."""
    regional = emp.regional
    original = stream.find(emp, SIASN, "position")
    if regional is None or not emp.in_simpeg or original is None or emp.position is None:
        return False
    new = _promoted(stream, emp, emp.position, regional)
    if new is None:
        return False
    tmt = stream.random_day(stream.year, 3, 9)
    note = "promotion known regionally only (conflict: siasn still has the old position and wins)"
    stream.emit(regional, "position", emp, {**new, "tmt": tmt.isoformat()}, tmt, note)
    return True


def _promoted(
    stream: Stream, emp: Employee, position: dict[str, Any], regional: str
) -> dict[str, Any] | None:
    """The position after the promotion; None where the sample has none to give."""
    if position["position_type"] == "pelaksana":
        return {"position_type": "fungsional", "position_name": "Pranata Komputer Ahli Pertama"}
    if position["position_type"] == "fungsional" and emp.employee_type == "PNS":
        return {
            "position_type": "struktural",
            "position_name": struktural_name("Kepala Seksi", emp.unit_code, stream.words),
            "echelon": "IV" if regional == LUWU else "IV.a",
        }
    return None


def transferred_from_luwu(stream: Stream, emp: Employee) -> bool:
    """A Bogor employee who came from Kab. Luwu: simpeg:7317 still sends their old profile,
    position and a training. Valid events, but 7317 no longer speaks for them."""
    if emp.agency != "3201" or stream.find(emp, SIASN, "profile") is None:
        return False
    _stale_profile(stream, emp)
    _former_position(stream, emp)
    _former_training(stream, emp)
    return True


def _stale_profile(stream: Stream, emp: Employee) -> None:
    profile = {
        **profile_values(emp),
        "status": "active",
        "agency_code": "7317",
        "unit_code": "7317.DISDIK",
    }
    note = f"stale profile from the former agency {_MOVED}"
    time = stream.stamp(LUWU, stream.day(0, 1, 8))
    stream.emit(LUWU, "profile", emp, profile, emp.tmt_cpns, note, time=time)


def _former_position(stream: Stream, emp: Employee) -> None:
    position = {
        "position_type": "pelaksana",
        "position_name": "Pengadministrasi Perkantoran",
        "tmt": emp.tmt_cpns.isoformat(),
    }
    stream.emit(LUWU, "position", emp, position, stream.day(0, 2, 1), f"former position {_MOVED}")


def _former_training(stream: Stream, emp: Employee) -> None:
    end = stream.random_day(stream.year, 2, 10)
    values = {
        "category": "technical",
        "name": "Bimbingan Teknis SIPD",
        "start_date": (end - timedelta(days=4)).isoformat(),
        "end_date": end.isoformat(),
        "hours": 32,
    }
    note = f"technical training 32 JP {_MOVED}"
    stream.emit(LUWU, "training", emp, values, end, note, stream.own_row(emp, "training"))
