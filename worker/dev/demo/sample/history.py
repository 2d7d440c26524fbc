"""A random employee's history: education, training, appraisals and punishments.

How much training and how good an appraisal follow the employee's engagement. Some records fall
outside the measurement windows on purpose: a degree or a leadership course that ends after the
cut-off date, older technical training and seminars, the appraisal of the year before N-1.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from worker.dev.demo.sample.records import (
    publish_appraisal,
    publish_education,
    publish_history,
    publish_punishment,
    publish_training,
)
from worker.dev.demo.sample.stream import Employee, Stream

# Where a leadership course is often done one echelon lower first.
_LOWER_ECHELON = {"II": "III", "III": "IV"}
# Best first: random_predicate()'s weights follow this order.
_PREDICATES = (
    "SANGAT_BAIK",
    "BAIK",
    "CUKUP",
    "BUTUH_PERBAIKAN",
    "KURANG",
    "BURUK",
    "SANGAT_KURANG",
)
# The old 0-100 scores that went with each predicate.
_OLD_SCALE = {
    "SANGAT_BAIK": (91, 98),
    "BAIK": (76, 90),
    "CUKUP": (61, 75),
    "BUTUH_PERBAIKAN": (61, 70),
    "KURANG": (51, 60),
    "BURUK": (35, 50),
    "SANGAT_KURANG": (20, 40),
}
_ENTRY_AGE = {"SMA": 18, "D3": 21, "D4": 22, "S1": 23, "S2": 25}


# --- education --------------------------------------------------------------------------------


def random_education(stream: Stream, emp: Employee) -> str:
    """Education rows; returns the highest level graduated."""
    rng, pos = stream.rng, emp.position or {"position_type": "pelaksana", "position_name": ""}
    schools = stream.words.schools[emp.culture]
    universities = schools.universities
    entry = _entry_level(stream, pos)
    graduated = min(
        stream.random_day(emp.birth.year + _ENTRY_AGE[entry] + rng.randint(0, 2), 6, 9),
        emp.tmt_cpns - timedelta(days=90),
    )
    if entry != "SMA" and rng.random() < 0.25:
        high_school = stream.random_day(emp.birth.year + 18, 5, 6)
        publish_education(stream, emp, "SMA", schools.high_school, high_school)
    institution = schools.polytechnic if entry == "D3" else rng.choice(universities)
    publish_education(stream, emp, entry, institution, graduated)
    highest = entry
    wants_master = 0.05 if pos["position_type"] == "pelaksana" else 0.1 + 0.5 * emp.engagement
    if entry in ("S1", "D4") and rng.random() < wants_master:
        highest = later_degree(stream, emp, "S2", emp.tmt_cpns.year + 2, universities)
    if highest == "S2" and rng.random() < 0.06:
        highest = later_degree(stream, emp, "S3", emp.tmt_cpns.year + 6, universities)
    return highest


def _entry_level(stream: Stream, pos: dict[str, Any]) -> str:
    """The level they entered the service with, as their position asks."""
    if "Terampil" in pos["position_name"]:
        return "D3"
    if pos["position_type"] == "pelaksana":
        return stream.rng.choices(("SMA", "D3", "S1"), (40, 25, 35))[0]
    return stream.rng.choices(("S1", "D4", "S2"), (84, 8, 8))[0]


def later_degree(
    stream: Stream, emp: Employee, level: str, earliest: int, universities: tuple[str, ...]
) -> str:
    """A degree earned in service; now and then it graduates after the cut-off date."""
    rng = stream.rng
    if rng.random() < 0.06:
        graduated = stream.random_day(stream.year + 1, 1, 2)
    else:
        graduated = stream.random_day(rng.randint(min(earliest, stream.year), stream.year))
    publish_education(stream, emp, level, rng.choice(universities), graduated)
    return level if graduated.year <= stream.year else {"S2": "S1", "S3": "S2"}[level]


# --- training ---------------------------------------------------------------------------------


def random_training(stream: Stream, emp: Employee) -> None:
    """Leadership for a struktural post, functional for a fungsional one, then technical
    training and seminars, some of them older than the window."""
    pos, e = emp.position or {}, emp.engagement
    if pos.get("position_type") == "struktural":
        random_leadership(stream, emp, pos["echelon"].split(".")[0])
    if pos.get("position_type") == "fungsional" and stream.rng.random() < 0.25 + 0.6 * e:
        functional(stream, emp, pos["position_name"])
    _technical(stream, emp)
    _seminars(stream, emp)


def _technical(stream: Stream, emp: Employee) -> None:
    rng, year, words = stream.rng, stream.year, stream.words
    for _ in range(4):
        if rng.random() < 0.1 + 0.6 * emp.engagement:
            name = rng.choice(words.technical)
            end = stream.random_day(year)
            days, hours = rng.randint(1, 5), rng.choice((4, 6, 8, 8, 10, 12, 16, 20, 24, 32))
            publish_training(stream, emp, "technical", name, end, days, hours)
    for _ in range(rng.randint(0, 2)):  # older technical training: outside the window
        name = rng.choice(words.technical)
        end = stream.random_day(year - rng.randint(1, 3))
        days, hours = rng.randint(1, 5), rng.choice((8, 16, 24, 32))
        publish_training(stream, emp, "technical", name, end, days, hours)


def _seminars(stream: Stream, emp: Employee) -> None:
    rng, year, words = stream.rng, stream.year, stream.words
    for _ in range(2):
        if rng.random() < 0.15 + 0.55 * emp.engagement:
            name = rng.choice(words.seminars)
            end = stream.random_day(year - rng.randint(0, 1))
            publish_training(stream, emp, "seminar", name, end, 0, rng.randint(2, 8))
    if rng.random() < 0.3:  # an older seminar: outside the window
        name = rng.choice(words.seminars)
        end = stream.random_day(year - rng.randint(2, 4))
        publish_training(stream, emp, "seminar", name, end, 0, rng.randint(2, 8))


def random_leadership(stream: Stream, emp: Employee, echelon: str) -> None:
    """The leadership course of the echelon, often the one below first; now and then still in
    progress at the cut-off date."""
    rng = stream.rng
    if echelon in _LOWER_ECHELON and rng.random() < 0.7:  # done at the lower echelon
        end_year = stream.between(emp.tmt_cpns.year + 3, stream.year - 2)
        leadership(stream, emp, _LOWER_ECHELON[echelon], end_year)
    if rng.random() < 0.35 + 0.55 * emp.engagement:
        if rng.random() < 0.06:  # still in progress: ends after the cut-off date
            leadership(stream, emp, echelon, stream.year + 1)
        else:
            leadership(stream, emp, echelon, stream.between(emp.tmt_cpns.year + 4, stream.year))


def leadership(stream: Stream, emp: Employee, echelon: str, end_year: int) -> None:
    """The echelon's course as it was named then (renamed in 2019)."""
    end_year = max(end_year, emp.tmt_cpns.year + 1)
    tier, name, hours = stream.words.leadership[echelon][0 if end_year < 2019 else 1]
    end = stream.random_day(end_year, 1, 3 if end_year > stream.year else 12)
    days = stream.rng.randint(90, 150)
    publish_training(stream, emp, "leadership", name, end, days, hours, tier)


def functional(stream: Stream, emp: Employee, position_name: str) -> None:
    """The functional training of the post ("Guru": the teachers' professional education)."""
    rng = stream.rng
    base = position_name.split(" Ahli")[0].split(" Terampil")[0]
    name = (
        "Pendidikan Profesi Guru Dalam Jabatan"
        if base == "Guru"
        else f"Pelatihan Fungsional {base}"
    )
    end = stream.random_day(rng.randint(emp.tmt_cpns.year + 1, stream.year))
    days, hours = rng.randint(14, 60), rng.choice((60, 90, 120))
    publish_training(stream, emp, "functional", name, end, days, hours)


# --- appraisals and punishments ---------------------------------------------------------------


def random_performance(stream: Stream, emp: Employee) -> None:
    """The appraisal of N-1 (ekinerja's predicate, siasn's old score, or both on one row), and
    sometimes the one of N-2; a SIMPEG's own row for staff siasn does not know."""
    rng, year = stream.rng, stream.year
    if (emp.tmt_cpns.year == year - 1 and rng.random() < 0.6) or rng.random() < 0.03:
        return  # too new for an appraisal, or it was never entered
    predicate = random_predicate(stream, emp.engagement)
    if not emp.in_siasn:
        values = {"year": year - 1, "predicate": predicate}
        note = f"{year - 1} appraisal {predicate}"
        publish_history(stream, emp, "performance", values, stream.day(0, 1, 20), note)
        return
    ekinerja = rng.random() < 0.8
    siasn = not ekinerja or rng.random() < 0.45
    score = old_score(stream, predicate) if siasn else None
    publish_appraisal(stream, emp, predicate if ekinerja else None, score)
    if rng.random() < 0.5:  # the year before: outside the measurement
        older = old_score(stream, random_predicate(stream, emp.engagement))
        publish_appraisal(stream, emp, None, older, year - 2)


def random_predicate(stream: Stream, engagement: float) -> str:
    if engagement > 0.75:
        weights: tuple[int, ...] = (45, 50, 5, 0, 0, 0, 0)
    elif engagement > 0.4:
        weights = (10, 75, 10, 2, 2, 1, 0)
    else:
        weights = (3, 65, 18, 5, 6, 2, 1)
    return stream.rng.choices(_PREDICATES, weights)[0]


def old_score(stream: Stream, predicate: str) -> int:
    """A score on the old 0-100 scale that went with the predicate."""
    low, high = _OLD_SCALE[predicate]
    if stream.rng.random() < 0.2:  # old-scale scores ran high
        low, high = high, min(high + 4, 99)
    return stream.rng.randint(low, high)


def random_discipline(stream: Stream, emp: Employee) -> None:
    """Now and then a punishment, likelier for the less engaged, within the last seven years."""
    rng = stream.rng
    if rng.random() < 0.04 + 0.1 * (1 - emp.engagement):
        level = rng.choices(("light", "medium", "heavy"), (6, 3, 1))[0]
        start = stream.random_day(stream.year - rng.randint(0, 7))
        publish_punishment(stream, emp, level, start, None)
