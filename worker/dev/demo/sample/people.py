"""Random employees: who they are, where they work, their position, and the history their
sources publish about them."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from worker.dev.demo.sample.history import (
    random_discipline,
    random_education,
    random_performance,
    random_training,
)
from worker.dev.demo.sample.records import publish_position, publish_profile
from worker.dev.demo.sample.stream import (
    NATIONAL_ONLY_AGENCIES,
    REGIONAL_SOURCES,
    Employee,
    Stream,
)
from worker.dev.demo.sample_data import Vocabulary


def random_employee(stream: Stream) -> Employee:
    """A random employee of one of the five agencies, and everything their sources publish."""
    rng = stream.rng
    emp = stream.add(_random_person(stream))
    emp.position = (
        None if emp.status == "retired" or rng.random() < 0.04 else random_position(stream, emp)
    )
    level = random_education(stream, emp)
    emp.title = _title(level, rng, stream.words)
    publish_profile(stream, emp)
    publish_position(stream, emp)
    random_training(stream, emp)
    random_performance(stream, emp)
    random_discipline(stream, emp)
    return emp


def _random_person(stream: Stream) -> Employee:
    """Who they are: a unique valid NIP, a name of their region, which systems know them."""
    rng, year, words = stream.rng, stream.year, stream.words
    agency = rng.choices(("3201", "7317", *NATIONAL_ONLY_AGENCIES), (40, 35, 9, 8, 8))[0]
    culture = words.culture[agency] if rng.random() < 0.85 else "umum"
    gender = rng.choice(("M", "F"))
    birth = stream.random_day(rng.randint(year - 57, year - 24))
    tmt_year = rng.randint(birth.year + 22, min(birth.year + 35, year - 1))
    tmt = date(tmt_year, rng.choice((1, 2, 3, 4, 12)), 1)
    regional = agency in REGIONAL_SOURCES
    where = rng.random()
    nip = unique_nip(stream, birth, tmt, gender)
    given = rng.choice(words.given[culture, gender])
    family = rng.choice(words.family[culture, gender])
    return Employee(
        nip=nip,
        name=f"{given} {family}",
        birth=birth,
        gender=gender,
        tmt_cpns=tmt,
        agency=agency,
        unit_code=f"{agency}.{rng.choice(words.units[agency])}",
        employee_type="PPPK" if rng.random() < 0.12 else "PNS",
        in_siasn=not regional or where < 0.85,
        in_simpeg=regional and where >= 0.3,
        engagement=rng.betavariate(2.6, 1.8),
        culture=culture,
        status=rng.choices(("active", "on_leave", "retired"), (95, 3, 2))[0],
    )


def unique_nip(stream: Stream, birth: date, tmt: date, gender: str) -> str:
    """An 18-digit NIP: birth date, TMT CPNS (year, month), gender digit, serial."""
    while True:
        serial = min(999, int(stream.rng.expovariate(1 / 25)) + 1)
        digit = "1" if gender == "M" else "2"
        nip = f"{birth:%Y%m%d}{tmt:%Y%m}{digit}{serial:03d}"
        if nip not in stream.nips:
            stream.nips.add(nip)
            return nip


def random_position(stream: Stream, emp: Employee) -> dict[str, Any]:
    """Struktural (the senior PNS only), fungsional or pelaksana, since a random TMT."""
    rng, words = stream.rng, stream.words
    senior = emp.employee_type == "PNS" and emp.tmt_cpns.year <= stream.year - 6
    kind = rng.choices(
        ("struktural", "fungsional", "pelaksana"), (18, 47, 35) if senior else (0, 75, 25)
    )[0]
    tmt = stream.random_day(rng.randint(emp.tmt_cpns.year + 1, stream.year))
    position: dict[str, Any] = {"position_type": kind}
    if kind == "struktural":
        post = rng.choices(words.struktural, [p.weight for p in words.struktural])[0]
        position |= {
            "position_name": struktural_name(post.name, emp.unit_code, words),
            "echelon": post.echelon,
        }
    elif kind == "fungsional":
        weights = [p.weight for p in words.fungsional]
        position["position_name"] = rng.choices(words.fungsional, weights)[0].name
    else:
        position["position_name"] = rng.choice(words.pelaksana)
    position["tmt"] = tmt.isoformat()
    return position


def struktural_name(name: str, unit_code: str, words: Vocabulary) -> str:
    """'Kepala Dinas' + DINKES: 'Kepala Dinas Kesehatan'; 'Kepala Seksi' + DINKES: 'Kepala Seksi
    pada Dinas Kesehatan'; territorial posts (Camat, Lurah, ...) stand alone."""
    unit = words.unit_names.get(unit_code.split(".", 1)[1], "")
    if not unit or name not in words.named_after_unit:
        return name
    if name.endswith(" Dinas"):
        head = name.removesuffix(" Dinas")
        if unit.startswith("Dinas "):
            return f"{head} {unit}"
        return f"{head} {unit}" if unit != "Sekretariat Daerah" else f"{head} Bagian Umum"
    return f"{name} pada {unit}"


def _title(level: str, rng: random.Random, words: Vocabulary) -> tuple[str, str]:
    """The academic title (prefix, suffix) the highest level graduated gives."""
    if level == "D3":
        return "", "A.Md."
    if level == "D4":
        return "", "S.Tr."
    if level in ("S1", "S2", "S3"):
        suffix = rng.choice(words.degree_titles)
        if level != "S1":
            suffix += ", " + rng.choice(words.master_titles)
        return ("Dr. " if level == "S3" else ""), suffix
    return "", ""
