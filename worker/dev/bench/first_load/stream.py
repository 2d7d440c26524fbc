"""The first national load as SIASN sends it: for each employee one `asn.profile.upserted` and
one `asn.position.upserted`, keyed by the NIP.

Deterministic for a seed and built for millions of events: the event JSON is written with orjson
straight from dicts (pydantic would cost more than the worker's own decoding), employees are
drawn one at a time and nothing is kept but a count per NIP prefix, for unique serials.

Who they are: NIPs valid by contracts §1 (birth date, TMT CPNS after it, gender digit, serial),
names of the demo's vocabulary, agencies spread over a few hundred codes with a long tail (a
Zipf-like weight: a few large agencies, many small ones, as the national staff is), units of
the demo's vocabulary, and a position each: struktural (senior PNS only, with an echelon),
fungsional or pelaksana.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import orjson

from worker.dev.demo.sample_data import Vocabulary, load_vocabulary

SIASN = "siasn"
# BPS province codes (38 provinces); each has its own government and some regencies and cities.
PROVINCES = (
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
    "91", "92", "93", "94", "95", "96",
)  # fmt: skip
CENTRAL = 40  # ministries and national agencies: "K001" … "K040"
Order = Literal["employee", "kind"]


@dataclass(frozen=True, slots=True)
class Wire:
    """One message of the load: the key (the NIP) and the exact value bytes."""

    key: bytes
    value: bytes


def agency_codes() -> tuple[str, ...]:
    """344 agency codes: 40 central agencies, and per province its government (pp00) and seven
    regencies or cities (pp01 … pp07)."""
    regional = [f"{p}{r:02d}" for p in PROVINCES for r in range(8)]
    return (*(f"K{n:03d}" for n in range(1, CENTRAL + 1)), *regional)


def first_load(
    employees: int, *, seed: int = 2025, year: int = 2025, order: Order = "employee"
) -> Iterator[Wire]:
    """The load's messages: each employee's profile then position ("employee"), or every
    profile and then every position, as a table-by-table export sends them ("kind")."""
    if order == "employee":
        for profile, position in _events(employees, seed, year):
            yield profile
            yield position
        return
    yield from (profile for profile, _ in _events(employees, seed, year))
    yield from (position for _, position in _events(employees, seed, year))


class _Draw:
    """The seeded random choices, with cumulative weights computed once."""

    def __init__(self, seed: int, year: int, words: Vocabulary) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
        self.year = year
        self.words = words
        self.agencies = agency_codes()
        shuffled = list(range(len(self.agencies)))
        self.rng.shuffle(shuffled)  # large and small agencies anywhere in the list
        zipf = [1 / (rank + 1) ** 0.8 for rank in shuffled]
        self.agency_weights = list(itertools.accumulate(zipf))
        self.struktural = list(itertools.accumulate(p.weight for p in words.struktural))
        self.fungsional = list(itertools.accumulate(p.weight for p in words.fungsional))
        # The units every agency of the vocabulary has (the others are named after a place).
        self.units = tuple(sorted(set.intersection(*(set(u) for u in words.units.values()))))
        self.serials: dict[str, int] = {}

    def agency(self) -> str:
        return self.rng.choices(self.agencies, cum_weights=self.agency_weights)[0]

    def day(self, year: int) -> date:
        return date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def nip(self, birth: date, tmt: date, gender: str) -> str:
        """Unique by construction: the serial counts the NIPs of the same birth date, TMT and
        gender (the combinations far outnumber the employees, so it rarely passes 3)."""
        prefix = f"{birth:%Y%m%d}{tmt:%Y%m}{'1' if gender == 'M' else '2'}"
        serial = self.serials.get(prefix, 0) + 1
        if serial > 999:
            raise ValueError("more than 999 employees share a birth date, TMT and gender")
        self.serials[prefix] = serial
        return f"{prefix}{serial:03d}"


def _events(employees: int, seed: int, year: int) -> Iterator[tuple[Wire, Wire]]:
    draw = _Draw(seed, year, load_vocabulary())
    started = datetime(year, 1, 6, 1, 0, tzinfo=UTC)  # the export began at night
    for n in range(employees):
        at = started + timedelta(milliseconds=n)
        yield _employee(draw, at)


def _employee(draw: _Draw, at: datetime) -> tuple[Wire, Wire]:
    rng, year, words = draw.rng, draw.year, draw.words
    gender = "M" if rng.random() < 0.5 else "F"
    birth = draw.day(rng.randint(year - 57, year - 24))
    tmt_year = rng.randint(birth.year + 22, min(birth.year + 35, year - 1))
    tmt_cpns = date(tmt_year, rng.randint(1, 12), 1)
    nip = draw.nip(birth, tmt_cpns, gender)
    agency = draw.agency()
    # Names as the demo's vocabulary has them: West Java Sundanese, South Sulawesi Bugis.
    culture = {"32": "sunda", "73": "bugis"}.get(agency[:2], "umum")
    employee_type = "PPPK" if rng.random() < 0.12 else "PNS"
    profile = {
        "name": f"{rng.choice(words.given[culture, gender])} "
        f"{rng.choice(words.family[culture, gender])}",
        "birth_date": birth.isoformat(),
        "gender": gender,
        "employee_type": employee_type,
        "status": "active" if rng.random() < 0.97 else "on_leave",
        "agency_code": agency,
        "unit_code": f"{agency}.{rng.choice(draw.units)}",
    }
    senior = employee_type == "PNS" and tmt_cpns.year <= year - 6
    position = _position(draw, senior, draw.day(rng.randint(tmt_cpns.year + 1, year)))
    time = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return _wire(draw, "profile", nip, time, profile), _wire(draw, "position", nip, time, position)


def _position(draw: _Draw, senior: bool, tmt: date) -> dict[str, Any]:
    rng, words = draw.rng, draw.words
    roll = rng.random() * 100
    if senior and roll < 18:
        post = rng.choices(words.struktural, cum_weights=draw.struktural)[0]
        return {
            "position_type": "struktural",
            "position_name": post.name,
            "echelon": post.echelon,
            "tmt": tmt.isoformat(),
        }
    if roll < (65 if senior else 75):
        name = rng.choices(words.fungsional, cum_weights=draw.fungsional)[0].name
        return {"position_type": "fungsional", "position_name": name, "tmt": tmt.isoformat()}
    name = rng.choice(words.pelaksana)
    return {"position_type": "pelaksana", "position_name": name, "tmt": tmt.isoformat()}


def _wire(draw: _Draw, kind: str, nip: str, time: str, data: dict[str, Any]) -> Wire:
    event = {
        "specversion": "1.0",
        "id": f"{draw.rng.getrandbits(128):032x}",
        "source": SIASN,
        "type": f"asn.{kind}.upserted",
        "subject": nip,
        "time": time,
        "datacontenttype": "application/json",
        "data": data,
    }
    return Wire(nip.encode(), orjson.dumps(event))
