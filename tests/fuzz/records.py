"""The values of a valid record of each kind (contracts §1), as the generator chooses them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.draft import Draft
from tests.fuzz.scalars import AGENCY_CODES, DATES, HOURS, OPAQUE, SCORES, pick
from worker.domain.model import Kind
from worker.domain.rules import regional_agency

ENUMERATIONS: dict[str, tuple[str, ...]] = {
    "gender": ("M", "F"),
    "employee_type": ("PNS", "PPPK"),
    "status": ("active", "retired", "dismissed", "deceased", "on_leave"),
    "position_type": ("struktural", "fungsional", "pelaksana"),
    "level": ("S3", "S2", "S1", "D4", "D3", "D2", "D1", "SMA", "SMP", "SD"),
    "category": ("leadership", "functional", "technical", "seminar"),
    "leadership_tier": ("PIM_I", "PIM_II", "PIM_III", "PIM_IV", "PKN_I", "PKN_II", "PKA", "PKP"),
    "predicate": (
        "SANGAT_BAIK", "BAIK", "CUKUP", "BUTUH_PERBAIKAN", "KURANG", "BURUK", "SANGAT_KURANG",
    ),
    "discipline_level": ("light", "medium", "heavy"),
}  # fmt: skip
ECHELONS = [f"{e}{s}" for e in ("I", "II", "III", "IV") for s in ("", ".a", ".b", ".A", ".B")]


def _choice(draw: st.DrawFn, name: str) -> str:
    return pick(draw, ENUMERATIONS[name])


def _profile(draw: st.DrawFn, draft: Draft) -> dict[str, Any]:
    return {
        "name": draw(OPAQUE),
        "birth_date": draw(DATES),
        "gender": _choice(draw, "gender"),
        "employee_type": _choice(draw, "employee_type"),
        "status": _choice(draw, "status"),
        # A regional system's profile names its own agency (contracts §2 rule 3).
        "agency_code": regional_agency(draft.statement.source) or draw(AGENCY_CODES),
        "unit_code": draw(OPAQUE),
    }


def _position(draw: st.DrawFn, draft: Draft) -> dict[str, Any]:
    position_type = _choice(draw, "position_type")
    return {
        "position_type": position_type,
        "position_name": draw(OPAQUE),
        "echelon": pick(draw, ECHELONS) if position_type == "struktural" else None,
        "tmt": draw(DATES),
    }


def _education(draw: st.DrawFn, draft: Draft) -> dict[str, Any]:
    return {
        "record_id": draw(OPAQUE),
        "level": _choice(draw, "level"),
        "institution": draw(OPAQUE),
        "graduated_on": draw(DATES),
    }


def _training(draw: st.DrawFn, draft: Draft) -> dict[str, Any]:
    category = _choice(draw, "category")
    start, end = sorted([draw(DATES), draw(DATES)])
    return {
        "record_id": draw(OPAQUE),
        "category": category,
        "leadership_tier": _choice(draw, "leadership_tier") if category == "leadership" else None,
        "name": draw(OPAQUE),
        "start_date": start,
        "end_date": end,
        "hours": draw(HOURS),
    }


def _performance(draw: st.DrawFn, draft: Draft) -> dict[str, Any]:
    given = pick(draw, ("predicate", "score", "both"))
    return {
        "record_id": draw(OPAQUE),
        "year": draw(st.integers(1950, 2100)),
        "predicate": _choice(draw, "predicate") if given != "score" else None,
        "score": draw(SCORES) if given != "predicate" else None,
    }


def _discipline(draw: st.DrawFn, draft: Draft) -> dict[str, Any]:
    return {
        "record_id": draw(OPAQUE),
        "level": _choice(draw, "discipline_level"),
        "decree_number": draw(OPAQUE),
        "start_date": draw(DATES),
        "end_date": draw(st.none() | DATES),
    }


VALUES: dict[Kind, Callable[[st.DrawFn, Draft], dict[str, Any]]] = {
    "profile": _profile,
    "position": _position,
    "education": _education,
    "training": _training,
    "performance": _performance,
    "discipline": _discipline,
}
