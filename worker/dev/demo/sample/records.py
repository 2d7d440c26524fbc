"""How the sources publish one employee's records.

The profile and the position come from siasn, the employee's SIMPEG, or both; a history record
(education, training, appraisal, punishment) is a national row from siasn, sometimes echoed by
the SIMPEG, or, for what only the region knows yet, a row of the SIMPEG's own. An appraisal is
one national row that ekinerja (the predicate) and siasn (the old 0-100 score) both speak about.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from worker.dev.demo.sample.stream import EKINERJA, LUWU, SIASN, Employee, Stream


def profile_values(emp: Employee) -> dict[str, Any]:
    return {
        "name": emp.name,
        "birth_date": emp.birth.isoformat(),
        "gender": emp.gender,
        "employee_type": emp.employee_type,
        "status": emp.status,
        "agency_code": emp.agency,
        "unit_code": emp.unit_code,
    }


def publish_profile(stream: Stream, emp: Employee, *, regional_variant: bool | None = None) -> None:
    """The national profile and the regional one; the SIMPEG now and then writes the name with
    the academic titles (regional_variant; decided at random when None)."""
    values = profile_values(emp)
    if emp.in_siasn:
        stream.emit(SIASN, "profile", emp, values, emp.tmt_cpns, "national profile")
    if emp.in_simpeg and emp.regional:
        variant = (stream.rng.random() < 0.25) if regional_variant is None else regional_variant
        note = "regional profile"
        if variant and emp.in_siasn:
            prefix, suffix = emp.title
            name = f"{prefix}{emp.name.upper()}" + (f", {suffix}" if suffix else "")
            values = {**values, "name": name}
            note += " (conflict: name written with academic titles; siasn wins)"
        stream.emit(emp.regional, "profile", emp, values, emp.tmt_cpns, note)


def publish_position(stream: Stream, emp: Employee) -> None:
    """The position from siasn and, mostly, the SIMPEG (simpeg:7317 writes plain "III")."""
    pos = emp.position
    if pos is None:
        return
    tmt = date.fromisoformat(pos["tmt"])
    if emp.in_siasn:
        stream.emit(SIASN, "position", emp, pos, tmt, f"{pos['position_type']} position")
    if emp.in_simpeg and emp.regional and (not emp.in_siasn or stream.rng.random() < 0.85):
        values, note = pos, f"{pos['position_type']} position"
        if emp.regional == LUWU and pos.get("echelon"):
            values = {**pos, "echelon": pos["echelon"].split(".")[0]}
            if emp.in_siasn:
                note += " (conflict: echelon written without .a/.b; siasn wins)"
        stream.emit(emp.regional, "position", emp, values, tmt, note)


def publish_history(
    stream: Stream,
    emp: Employee,
    kind: str,
    values: dict[str, Any],
    known_on: date,
    note: str,
    source: str | None = None,
) -> None:
    """A history record from the source given (the anchors), or from whichever would have it."""
    if source is None:
        _from_whoever_has_it(stream, emp, kind, values, known_on, note)
    elif source == SIASN:
        _national_row(stream, emp, kind, values, known_on, note)
    else:
        _own_row(stream, source, emp, kind, values, known_on, note)


def _from_whoever_has_it(
    stream: Stream, emp: Employee, kind: str, values: dict[str, Any], known_on: date, note: str
) -> None:
    """A national row from siasn (sometimes echoed by the SIMPEG), or, for what only the
    region knows yet, a row of the SIMPEG's own."""
    rng, regional = stream.rng, emp.regional
    recent = known_on.year >= stream.year - 1
    national = emp.in_siasn and (
        regional is None or not emp.in_simpeg or not recent or rng.random() < 0.5
    )
    if not national:
        assert regional is not None  # noqa: S101 - every non-national employee is regional
        _own_row(stream, regional, emp, kind, values, known_on, note)
        return
    row = _national_row(stream, emp, kind, values, known_on, note)
    if regional and emp.in_simpeg and rng.random() < 0.3:
        _echo(stream, regional, emp, kind, values, known_on, note, row)


def _national_row(
    stream: Stream, emp: Employee, kind: str, values: dict[str, Any], known_on: date, note: str
) -> str:
    row = stream.national_id()
    stream.emit(SIASN, kind, emp, values, known_on, note + " (national row)", row)
    return row


def _own_row(
    stream: Stream,
    source: str,
    emp: Employee,
    kind: str,
    values: dict[str, Any],
    known_on: date,
    note: str,
) -> None:
    row = stream.own_row(emp, kind)
    stream.emit(source, kind, emp, values, known_on, note + " (own row)", row)


def _echo(
    stream: Stream,
    regional: str,
    emp: Employee,
    kind: str,
    values: dict[str, Any],
    known_on: date,
    note: str,
    row: str,
) -> None:
    """The SIMPEG repeats the national row, now and then written differently (a conflict)."""
    if stream.rng.random() < 0.15:
        values = _variant(kind, values)
        note += " (echo of the national row; conflict: written differently, siasn wins)"
    else:
        note += " (echo of the national row, same values)"
    stream.emit(regional, kind, emp, values, known_on, note, row)


def _variant(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The same record as a regional system writes it: different enough to be a conflict."""
    if kind == "education":
        return {**values, "institution": values["institution"].upper()}
    if kind == "training":
        return {**values, "name": values["name"].upper()}
    if kind == "discipline":
        return {**values, "decree_number": values["decree_number"].replace("-", "/")}
    return values


def publish_education(
    stream: Stream,
    emp: Employee,
    level: str,
    institution: str,
    graduated: date,
    source: str | None = None,
) -> None:
    values = {"level": level, "institution": institution, "graduated_on": graduated.isoformat()}
    note = f"{level} graduated {graduated}"
    publish_history(stream, emp, "education", values, graduated, note, source)


def publish_training(
    stream: Stream,
    emp: Employee,
    category: str,
    name: str,
    end: date,
    days: int,
    hours: int,
    tier: str | None = None,
    *,
    source: str | None = None,
) -> None:
    """A training that lasted days and ended on end, worth hours (JP)."""
    values: dict[str, Any] = {"category": category}
    if tier is not None:
        values["leadership_tier"] = tier
    values |= {
        "name": name,
        "start_date": (end - timedelta(days=days)).isoformat(),
        "end_date": end.isoformat(),
        "hours": hours,
    }
    note = f"{category}{' ' + tier if tier else ''} training, {hours} JP, ended {end}"
    publish_history(stream, emp, "training", values, end, note, source)


def publish_appraisal(
    stream: Stream, emp: Employee, predicate: str | None, score: int | None, year: int | None = None
) -> None:
    """The appraisal of a year (N-1 unless given) on one national row: ekinerja's predicate
    and/or siasn's old-scale score."""
    year = stream.year - 1 if year is None else year
    row = stream.national_id()
    known = date(year + 1, 1, 10) + timedelta(days=stream.rng.randint(0, 45))
    both = predicate is not None and score is not None
    if predicate is not None:
        values: dict[str, Any] = {"year": year, "predicate": predicate}
        note = f"{year} appraisal {predicate}"
        note += " (ekinerja wins over the siasn score on this row)" if both else ""
        stream.emit(EKINERJA, "performance", emp, values, known, note, row)
    if score is not None:
        values = {"year": year, "score": score}
        note = f"{year} appraisal, old-scale score {score}"
        note += " (conflict: loses to ekinerja on the same row)" if both else ""
        stream.emit(SIASN, "performance", emp, values, known, note, row)


def publish_punishment(
    stream: Stream, emp: Employee, level: str, start: date, source: str | None
) -> None:
    months = {"light": 6, "medium": 12, "heavy": 12}[level]
    values = {
        "level": level,
        "decree_number": f"862.3/{stream.rng.randint(10, 999)}-BKPSDM/{start.year}",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=30 * months)).isoformat(),
    }
    note = f"{level} punishment from {start}"
    publish_history(stream, emp, "discipline", values, start, note, source)
