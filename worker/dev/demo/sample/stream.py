"""A realistic, deterministic sample of personnel change events for the demo and the tests.

``sample_events()`` returns the Kafka messages (key, value, note) that the national and
regional personnel systems would publish on ``asn.personnel.changes`` (contracts.md §1) over
one measurement cycle. Each value is the exact message value: a CloudEvents 1.0 event in
structured JSON mode, UTF-8; the key is the NIP. What the sample holds:

* ``count`` employees with valid, unique NIPs and Indonesian names: staff of Kab. Bogor
  (agency 3201, regional system ``simpeg:3201``), of Kab. Luwu (7317, ``simpeg:7317``) and of
  three agencies known only nationally (``siasn``). Each has a profile (from ``siasn``, their
  SIMPEG, or both) and, mostly, a position: struktural with ``III.a``-style echelons
  (``simpeg:7317`` writes plain ``III``), fungsional or pelaksana; some have none (no index).
* History: education (national rows from ``siasn``, a later S2 often only on the SIMPEG's own
  row), trainings (leadership tiers that match the echelon or not, functional, technical with
  JP, seminars, ending inside and outside the measurement windows), the appraisal of year N-1
  from ``ekinerja`` (predicate) and/or ``siasn`` (old 0-100 score) on the same national row (so
  ``ekinerja`` wins), an older appraisal, and sometimes a punishment.
* The two worked examples of contracts.md §3 (73 Sedang, 62.5 Rendah for 2025) and an anchor
  employee in each other band; the rest spreads over all five bands.
* Conflicts (``siasn`` and a SIMPEG disagree on one record), corrections (a later ``time``, or
  the same ``time`` and a higher ``sequence``, some arriving before what they correct),
  deletes (some arriving before the upsert they delete, with a later ``time``), exact
  duplicates (the same message re-sent), ``simpeg:7317`` speaking about an employee who moved
  to agency 3201 (valid events that do not count).
* Nine malformed messages; their note starts with ``malformed <reason>:`` naming the
  dead-letter reason the worker must give (see ``expected_reason``).

Every note says what the message is for. Times are RFC 3339: ``siasn`` in UTC (``Z``),
``ekinerja`` and ``simpeg:3201`` in WIB (``+07:00``), ``simpeg:7317`` in WITA (``+08:00``);
``simpeg:3201`` and ``ekinerja`` send a ``sequence``. Messages arrive roughly in event-time
order, interleaving employees, with per-source delivery delays. The same arguments always give
the same bytes: all randomness comes from ``random.Random(seed)``, none from the clock.

This module is the generator. What it draws on is data in worker/dev/demo/data/, read by
``sample_data``: the names (``vocabulary.toml``), the anchor employees (``anchors.toml``) and
the recipes of the malformed messages (``malformed.toml``).
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from worker.dev.demo.sample_data import Vocabulary, load_anchors, load_malformed, load_vocabulary

SIASN = "siasn"
EKINERJA = "ekinerja"
BOGOR = "simpeg:3201"
LUWU = "simpeg:7317"
REGIONAL_SOURCES = {"3201": BOGOR, "7317": LUWU}
# Kota Bandung, Kota Makassar, Kota Padang: no regional system publishes for them.
NATIONAL_ONLY_AGENCIES = ("3273", "7371", "1371")
MALFORMED = "malformed"

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
_ZONES = {SIASN: UTC, EKINERJA: WIB, BOGOR: WIB, LUWU: WITA}
_SEQUENCED = frozenset({BOGOR, EKINERJA})
# Delivery delay after the event time, in hours (regional systems publish in batches).
_DELAY_HOURS = {SIASN: (0.0, 2.0), EKINERJA: (0.0, 6.0), BOGOR: (0.5, 48.0), LUWU: (2.0, 240.0)}
# "N-3-01-04" in data/anchors.toml: 4 January of the measurement year N minus 3.
_MEASUREMENT_DATE = re.compile(r"N([+-]\d+)?-(\d\d)-(\d\d)")
_OWN_ROW_PREFIX = {"education": "PDK", "training": "DIK", "performance": "SKP", "discipline": "HD"}


@dataclass(frozen=True, slots=True)
class SampleMessage:
    """One Kafka message: key (normally the NIP), the exact value bytes, what it is for."""

    key: bytes | None
    value: bytes
    note: str


def expected_reason(message: SampleMessage) -> str | None:
    """The dead-letter reason a malformed message must get; None for a valid one."""
    if not message.note.startswith(MALFORMED + " "):
        return None
    return message.note.split(" ", 2)[1].rstrip(":")


def write_jsonl(messages: Iterable[SampleMessage], path: str | Path) -> int:
    """Write the values one per line, for ``ipasn-worker publish FILE``; returns the count.

    Keys are not kept: ``publish`` keys each line by its subject, so the key-mismatch sample
    becomes a duplicate of the event it copies, and a line without a subject has no key.
    """
    count = 0
    with Path(path).open("wb") as out:
        for m in messages:
            if b"\n" in m.value or b"\r" in m.value:
                raise ValueError("a sample value spans several lines")
            out.write(m.value + b"\n")
            count += 1
    return count


def sample_events(
    count: int = 300, seed: int = 2025, measurement_year: int = 2025
) -> list[SampleMessage]:
    """``count`` employees' change events (at least 5: the anchors), in arrival order."""
    anchors = load_anchors()
    if count < len(anchors):
        raise ValueError(f"count must be at least {len(anchors)}")
    builder = _Builder(seed, measurement_year, load_vocabulary())
    for anchor in anchors:
        builder.anchor(anchor)
    while len(builder.employees) < count:
        builder.random_employee()
    builder.scenarios(count)
    return builder.messages(count, load_malformed())


# ---------------------------------------------------------------------------------------------
# The generator's own tables; the names it draws on are in data/vocabulary.toml.

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


# ---------------------------------------------------------------------------------------------
# The builder


@dataclass(slots=True)
class _Employee:
    nip: str
    name: str
    birth: date
    gender: str
    tmt_cpns: date
    agency: str
    unit_code: str
    employee_type: str
    in_siasn: bool
    in_simpeg: bool
    engagement: float  # 0..1: how much training and how good an appraisal
    culture: str
    anchor: bool = False
    status: str = "active"
    position: dict[str, Any] | None = None
    title: tuple[str, str] = ("", "")  # academic title: prefix, suffix

    @property
    def regional(self) -> str | None:
        return REGIONAL_SOURCES.get(self.agency)


@dataclass(slots=True)
class _Event:
    source: str
    kind: str
    deleted: bool
    nip: str
    time: datetime
    data: dict[str, Any] | None
    note: str
    order: int
    event_id: str = ""
    sequence: int | None = None
    arrival: float = 0.0
    arrive_before: _Event | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, seed: int, year: int, words: Vocabulary) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not security
        self.year = year
        self.words = words
        self.employees: list[_Employee] = []
        self.events: list[_Event] = []
        self.by_nip: dict[str, list[_Event]] = defaultdict(list)
        self.nips: set[str] = set()
        self.own_rows: dict[str, int] = defaultdict(int)
        self.ids: dict[str, int] = defaultdict(int)
        self.used: set[str] = set()

    # --- primitives -----------------------------------------------------------------------

    def day(self, offset: int, month: int, day: int) -> date:
        """A date in year measurement_year + offset."""
        return date(self.year + offset, month, day)

    def random_day(self, year: int, first_month: int = 1, last_month: int = 12) -> date:
        return date(year, self.rng.randint(first_month, last_month), self.rng.randint(1, 28))

    def between(self, low: int, high: int) -> int:
        """A year in [low, high]; high when the range is empty."""
        return self.rng.randint(low, high) if low <= high else high

    def national_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def own_row(self, emp: _Employee, kind: str) -> str:
        self.own_rows[emp.agency] += 1
        return f"{emp.agency}-{_OWN_ROW_PREFIX[kind]}-{self.own_rows[emp.agency]:06d}"

    def event_day(self, known_on: date) -> date:
        """When a source publishes a fact: after it happened, and not before the stream began
        (early in the measurement year, when the sources were connected)."""
        after = known_on + timedelta(days=self.rng.randint(1, 30))
        connected = self.day(0, 1, 6) + timedelta(days=self.rng.randint(0, 80))
        return max(after, connected)

    def stamp(self, source: str, day: date) -> datetime:
        rng = self.rng
        micro = rng.randint(0, 999) * 1000 if source == SIASN else 0
        return datetime(
            day.year,
            day.month,
            day.day,
            rng.randint(7, 17),
            rng.randint(0, 59),
            rng.randint(0, 59),
            micro,
            tzinfo=_ZONES[source],
        )

    def emit(
        self,
        source: str,
        kind: str,
        emp: _Employee,
        values: dict[str, Any] | None,
        known_on: date,
        note: str,
        record_id: str | None = None,
        *,
        deleted: bool = False,
        time: datetime | None = None,
    ) -> _Event:
        data: dict[str, Any] | None = None
        if record_id is not None:
            data = {"record_id": record_id}
        if not deleted and values is not None:
            data = {**(data or {}), **values}
            if source in (BOGOR, LUWU):
                data["operator"] = f"bkpsdm-{emp.agency}"  # unknown to the contract: ignored
        event = _Event(
            source,
            kind,
            deleted,
            emp.nip,
            time or self.stamp(source, self.event_day(known_on)),
            data,
            f"{source} {kind} {'delete' if deleted else 'upsert'}: {note}",
            len(self.events),
        )
        self.events.append(event)
        self.by_nip[emp.nip].append(event)
        return event

    def unique_nip(self, birth: date, tmt: date, gender: str) -> str:
        while True:
            serial = min(999, int(self.rng.expovariate(1 / 25)) + 1)
            digit = "1" if gender == "M" else "2"
            nip = f"{birth:%Y%m%d}{tmt:%Y%m}{digit}{serial:03d}"
            if nip not in self.nips:
                self.nips.add(nip)
                return nip

    def add(self, emp: _Employee) -> _Employee:
        self.nips.add(emp.nip)
        self.employees.append(emp)
        return emp

    # --- one employee's facts -------------------------------------------------------------

    def profile(self, emp: _Employee, *, regional_variant: bool | None = None) -> None:
        values = {
            "name": emp.name,
            "birth_date": emp.birth.isoformat(),
            "gender": emp.gender,
            "employee_type": emp.employee_type,
            "status": emp.status,
            "agency_code": emp.agency,
            "unit_code": emp.unit_code,
        }
        if emp.in_siasn:
            self.emit(SIASN, "profile", emp, values, emp.tmt_cpns, "national profile")
        if emp.in_simpeg and emp.regional:
            variant = (self.rng.random() < 0.25) if regional_variant is None else regional_variant
            note = "regional profile"
            if variant and emp.in_siasn:
                prefix, suffix = emp.title
                name = f"{prefix}{emp.name.upper()}" + (f", {suffix}" if suffix else "")
                values = {**values, "name": name}
                note += " (conflict: name written with academic titles; siasn wins)"
            self.emit(emp.regional, "profile", emp, values, emp.tmt_cpns, note)

    def position(self, emp: _Employee) -> None:
        pos = emp.position
        if pos is None:
            return
        tmt = date.fromisoformat(pos["tmt"])
        if emp.in_siasn:
            self.emit(SIASN, "position", emp, pos, tmt, f"{pos['position_type']} position")
        if emp.in_simpeg and emp.regional and (not emp.in_siasn or self.rng.random() < 0.85):
            values, note = pos, f"{pos['position_type']} position"
            if emp.regional == LUWU and pos.get("echelon"):
                values = {**pos, "echelon": pos["echelon"].split(".")[0]}
                if emp.in_siasn:
                    note += " (conflict: echelon written without .a/.b; siasn wins)"
            self.emit(emp.regional, "position", emp, values, tmt, note)

    def history(
        self, emp: _Employee, kind: str, values: dict[str, Any], known_on: date, note: str
    ) -> None:
        """A national row from siasn (sometimes echoed by the SIMPEG), or, for what only the
        region knows yet, a row of the SIMPEG's own."""
        rng, regional = self.rng, emp.regional
        recent = known_on.year >= self.year - 1
        national = emp.in_siasn and (
            regional is None or not emp.in_simpeg or not recent or rng.random() < 0.5
        )
        if national:
            row = self.national_id()
            self.emit(SIASN, kind, emp, values, known_on, note + " (national row)", row)
            if regional and emp.in_simpeg and rng.random() < 0.3:
                if rng.random() < 0.15:
                    self.emit(
                        regional,
                        kind,
                        emp,
                        _variant(kind, values),
                        known_on,
                        note + " (echo of the national row; conflict: written "
                        "differently, siasn wins)",
                        row,
                    )
                else:
                    self.emit(
                        regional,
                        kind,
                        emp,
                        values,
                        known_on,
                        note + " (echo of the national row, same values)",
                        row,
                    )
        else:
            assert regional is not None  # noqa: S101 - every non-national employee is regional
            self.emit(
                regional, kind, emp, values, known_on, note + " (own row)", self.own_row(emp, kind)
            )

    def training(
        self,
        emp: _Employee,
        category: str,
        name: str,
        end: date,
        days: int,
        hours: int,
        tier: str | None = None,
        *,
        source: str | None = None,
    ) -> None:
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
        self.history_from(emp, "training", values, end, note, source)

    def history_from(
        self,
        emp: _Employee,
        kind: str,
        values: dict[str, Any],
        known_on: date,
        note: str,
        source: str | None,
    ) -> None:
        """Like history(), but from a chosen source when one is given (the anchors)."""
        if source is None:
            self.history(emp, kind, values, known_on, note)
        elif source == SIASN:
            self.emit(
                SIASN, kind, emp, values, known_on, note + " (national row)", self.national_id()
            )
        else:
            self.emit(
                source, kind, emp, values, known_on, note + " (own row)", self.own_row(emp, kind)
            )

    def education(
        self,
        emp: _Employee,
        level: str,
        institution: str,
        graduated: date,
        source: str | None = None,
    ) -> None:
        values = {"level": level, "institution": institution, "graduated_on": graduated.isoformat()}
        self.history_from(
            emp, "education", values, graduated, f"{level} graduated {graduated}", source
        )

    def appraisal(
        self, emp: _Employee, predicate: str | None, score: int | None, year: int | None = None
    ) -> None:
        """The appraisal of a year on one national row: ekinerja's predicate and/or siasn's
        old-scale score."""
        year = self.year - 1 if year is None else year
        row = self.national_id()
        known = date(year + 1, 1, 10) + timedelta(days=self.rng.randint(0, 45))
        both = predicate is not None and score is not None
        if predicate is not None:
            self.emit(
                EKINERJA,
                "performance",
                emp,
                {"year": year, "predicate": predicate},
                known,
                f"{year} appraisal {predicate}"
                + (" (ekinerja wins over the siasn score on this row)" if both else ""),
                row,
            )
        if score is not None:
            self.emit(
                SIASN,
                "performance",
                emp,
                {"year": year, "score": score},
                known,
                f"{year} appraisal, old-scale score {score}"
                + (" (conflict: loses to ekinerja on the same row)" if both else ""),
                row,
            )

    def punishment(self, emp: _Employee, level: str, start: date, source: str | None) -> None:
        months = {"light": 6, "medium": 12, "heavy": 12}[level]
        values = {
            "level": level,
            "decree_number": f"862.3/{self.rng.randint(10, 999)}-BKPSDM/{start.year}",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30 * months)).isoformat(),
        }
        self.history_from(
            emp, "discipline", values, start, f"{level} punishment from {start}", source
        )

    # --- anchors --------------------------------------------------------------------------

    def anchor(self, spec: Mapping[str, Any]) -> None:
        """A hand-written employee of data/anchors.toml, their facts stated in its order."""
        emp = self.add(self.anchor_employee(spec))
        self.profile(emp, regional_variant=spec.get("regional_variant"))
        self.position(emp)
        for e in spec.get("education", ()):
            graduated = self.date_of(e["graduated"])
            self.education(emp, e["level"], e["institution"], graduated, e["source"])
        for t in spec.get("training", ()):
            end = self.date_of(t["end"])
            category, name, days, hours = t["category"], t["name"], t["days"], t["hours"]
            self.training(emp, category, name, end, days, hours, t.get("tier"), source=t["source"])
        appraisal = spec["appraisal"]
        self.appraisal(emp, appraisal.get("predicate"), appraisal.get("score"))
        for p in spec.get("punishment", ()):
            self.punishment(emp, p["level"], self.date_of(p["start"]), p["source"])

    def anchor_employee(self, spec: Mapping[str, Any]) -> _Employee:
        prefix, suffix = spec.get("title", ("", ""))
        position = spec["position"]
        return _Employee(
            nip=spec["nip"],
            name=spec["name"],
            birth=spec["birth"],
            gender=spec["gender"],
            tmt_cpns=spec["tmt_cpns"],
            agency=spec["agency"],
            unit_code=spec["unit_code"],
            employee_type=spec["employee_type"],
            in_siasn=spec["in_siasn"],
            in_simpeg=spec["in_simpeg"],
            engagement=spec["engagement"],
            culture=spec["culture"],
            anchor=True,
            position={**position, "tmt": self.date_of(position["tmt"]).isoformat()},
            title=(prefix, suffix),
        )

    def date_of(self, written: date | str) -> date:
        """A date of data/anchors.toml: a TOML date, or "N-3-01-04" (4 January of year N-3)."""
        if isinstance(written, date):
            return written
        found = _MEASUREMENT_DATE.fullmatch(written)
        if found is None:
            raise ValueError(f"not a date in anchors.toml: {written!r}")
        offset, month, day = found.groups()
        return self.day(int(offset or 0), int(month), int(day))

    # --- random employees -----------------------------------------------------------------

    def random_employee(self) -> _Employee:
        rng, year = self.rng, self.year
        agency = rng.choices(("3201", "7317", *NATIONAL_ONLY_AGENCIES), (40, 35, 9, 8, 8))[0]
        culture = self.words.culture[agency] if rng.random() < 0.85 else "umum"
        gender = rng.choice(("M", "F"))
        birth = self.random_day(rng.randint(year - 57, year - 24))
        tmt_year = rng.randint(birth.year + 22, min(birth.year + 35, year - 1))
        tmt = date(tmt_year, rng.choice((1, 2, 3, 4, 12)), 1)
        regional = agency in REGIONAL_SOURCES
        where = rng.random()
        nip = self.unique_nip(birth, tmt, gender)
        given = rng.choice(self.words.given[culture, gender])
        family = rng.choice(self.words.family[culture, gender])
        emp = self.add(
            _Employee(
                nip=nip,
                name=f"{given} {family}",
                birth=birth,
                gender=gender,
                tmt_cpns=tmt,
                agency=agency,
                unit_code=f"{agency}.{rng.choice(self.words.units[agency])}",
                employee_type="PPPK" if rng.random() < 0.12 else "PNS",
                in_siasn=not regional or where < 0.85,
                in_simpeg=regional and where >= 0.3,
                engagement=rng.betavariate(2.6, 1.8),
                culture=culture,
                status=rng.choices(("active", "on_leave", "retired"), (95, 3, 2))[0],
            )
        )
        emp.position = (
            None if emp.status == "retired" or rng.random() < 0.04 else (self.random_position(emp))
        )
        level = self.random_education(emp)
        emp.title = _title(level, rng, self.words)
        self.profile(emp)
        self.position(emp)
        self.random_training(emp)
        self.random_performance(emp)
        self.random_discipline(emp)
        return emp

    def random_position(self, emp: _Employee) -> dict[str, Any]:
        rng = self.rng
        senior = emp.employee_type == "PNS" and emp.tmt_cpns.year <= self.year - 6
        kind = rng.choices(
            ("struktural", "fungsional", "pelaksana"), (18, 47, 35) if senior else (0, 75, 25)
        )[0]
        tmt = self.random_day(rng.randint(emp.tmt_cpns.year + 1, self.year))
        position: dict[str, Any] = {"position_type": kind}
        words = self.words
        if kind == "struktural":
            post = rng.choices(words.struktural, [p.weight for p in words.struktural])[0]
            position |= {
                "position_name": _struktural_name(post.name, emp.unit_code, words),
                "echelon": post.echelon,
            }
        elif kind == "fungsional":
            weights = [p.weight for p in words.fungsional]
            position["position_name"] = rng.choices(words.fungsional, weights)[0].name
        else:
            position["position_name"] = rng.choice(words.pelaksana)
        position["tmt"] = tmt.isoformat()
        return position

    def random_education(self, emp: _Employee) -> str:
        """Education rows; returns the highest level graduated."""
        rng, pos = self.rng, emp.position or {"position_type": "pelaksana", "position_name": ""}
        schools = self.words.schools[emp.culture]
        universities = schools.universities
        if "Terampil" in pos["position_name"]:
            entry = "D3"
        elif pos["position_type"] == "pelaksana":
            entry = rng.choices(("SMA", "D3", "S1"), (40, 25, 35))[0]
        else:
            entry = rng.choices(("S1", "D4", "S2"), (84, 8, 8))[0]
        age = {"SMA": 18, "D3": 21, "D4": 22, "S1": 23, "S2": 25}[entry]
        graduated = min(
            self.random_day(emp.birth.year + age + rng.randint(0, 2), 6, 9),
            emp.tmt_cpns - timedelta(days=90),
        )
        if entry != "SMA" and rng.random() < 0.25:
            self.education(
                emp, "SMA", schools.high_school, self.random_day(emp.birth.year + 18, 5, 6)
            )
        institution = schools.polytechnic if entry == "D3" else rng.choice(universities)
        self.education(emp, entry, institution, graduated)
        highest = entry
        wants_master = 0.05 if pos["position_type"] == "pelaksana" else 0.1 + 0.5 * emp.engagement
        if entry in ("S1", "D4") and rng.random() < wants_master:
            highest = self.later_degree(emp, "S2", emp.tmt_cpns.year + 2, universities)
        if highest == "S2" and rng.random() < 0.06:
            highest = self.later_degree(emp, "S3", emp.tmt_cpns.year + 6, universities)
        return highest

    def later_degree(
        self, emp: _Employee, level: str, earliest: int, universities: tuple[str, ...]
    ) -> str:
        """A degree earned in service; now and then it graduates after the cut-off date."""
        rng = self.rng
        if rng.random() < 0.06:
            graduated = self.random_day(self.year + 1, 1, 2)
        else:
            graduated = self.random_day(rng.randint(min(earliest, self.year), self.year))
        self.education(emp, level, rng.choice(universities), graduated)
        return level if graduated.year <= self.year else {"S2": "S1", "S3": "S2"}[level]

    def random_training(self, emp: _Employee) -> None:
        rng, year, e = self.rng, self.year, emp.engagement
        pos = emp.position or {}
        if pos.get("position_type") == "struktural":
            self.random_leadership(emp, pos["echelon"].split(".")[0])
        if pos.get("position_type") == "fungsional" and rng.random() < 0.25 + 0.6 * e:
            self.functional(emp, pos["position_name"])
        for _ in range(4):
            if rng.random() < 0.1 + 0.6 * e:
                self.training(
                    emp,
                    "technical",
                    rng.choice(self.words.technical),
                    self.random_day(year),
                    rng.randint(1, 5),
                    rng.choice((4, 6, 8, 8, 10, 12, 16, 20, 24, 32)),
                )
        for _ in range(rng.randint(0, 2)):  # older technical training: outside the window
            self.training(
                emp,
                "technical",
                rng.choice(self.words.technical),
                self.random_day(year - rng.randint(1, 3)),
                rng.randint(1, 5),
                rng.choice((8, 16, 24, 32)),
            )
        for _ in range(2):
            if rng.random() < 0.15 + 0.55 * e:
                self.training(
                    emp,
                    "seminar",
                    rng.choice(self.words.seminars),
                    self.random_day(year - rng.randint(0, 1)),
                    0,
                    rng.randint(2, 8),
                )
        if rng.random() < 0.3:  # an older seminar: outside the window
            self.training(
                emp,
                "seminar",
                rng.choice(self.words.seminars),
                self.random_day(year - rng.randint(2, 4)),
                0,
                rng.randint(2, 8),
            )

    def random_leadership(self, emp: _Employee, echelon: str) -> None:
        rng = self.rng
        if echelon in _LOWER_ECHELON and rng.random() < 0.7:  # done at the lower echelon
            self.leadership(
                emp, _LOWER_ECHELON[echelon], self.between(emp.tmt_cpns.year + 3, self.year - 2)
            )
        if rng.random() < 0.35 + 0.55 * emp.engagement:
            if rng.random() < 0.06:  # still in progress: ends after the cut-off date
                self.leadership(emp, echelon, self.year + 1)
            else:
                self.leadership(emp, echelon, self.between(emp.tmt_cpns.year + 4, self.year))

    def leadership(self, emp: _Employee, echelon: str, end_year: int) -> None:
        end_year = max(end_year, emp.tmt_cpns.year + 1)
        tier, name, hours = self.words.leadership[echelon][0 if end_year < 2019 else 1]
        end = self.random_day(end_year, 1, 3 if end_year > self.year else 12)
        self.training(emp, "leadership", name, end, self.rng.randint(90, 150), hours, tier)

    def functional(self, emp: _Employee, position_name: str) -> None:
        rng = self.rng
        base = position_name.split(" Ahli")[0].split(" Terampil")[0]
        name = (
            "Pendidikan Profesi Guru Dalam Jabatan"
            if base == "Guru"
            else f"Pelatihan Fungsional {base}"
        )
        end = self.random_day(rng.randint(emp.tmt_cpns.year + 1, self.year))
        self.training(emp, "functional", name, end, rng.randint(14, 60), rng.choice((60, 90, 120)))

    def random_performance(self, emp: _Employee) -> None:
        rng = self.rng
        if (emp.tmt_cpns.year == self.year - 1 and rng.random() < 0.6) or rng.random() < 0.03:
            return  # too new for an appraisal, or it was never entered
        predicate = self.random_predicate(emp.engagement)
        if emp.in_siasn:
            ekinerja = rng.random() < 0.8
            siasn = not ekinerja or rng.random() < 0.45
            self.appraisal(
                emp, predicate if ekinerja else None, self.old_score(predicate) if siasn else None
            )
            if rng.random() < 0.5:  # the year before: outside the measurement
                self.appraisal(
                    emp, None, self.old_score(self.random_predicate(emp.engagement)), self.year - 2
                )
        else:
            self.history(
                emp,
                "performance",
                {"year": self.year - 1, "predicate": predicate},
                self.day(0, 1, 20),
                f"{self.year - 1} appraisal {predicate}",
            )

    def random_predicate(self, engagement: float) -> str:
        if engagement > 0.75:
            weights: tuple[int, ...] = (45, 50, 5, 0, 0, 0, 0)
        elif engagement > 0.4:
            weights = (10, 75, 10, 2, 2, 1, 0)
        else:
            weights = (3, 65, 18, 5, 6, 2, 1)
        return self.rng.choices(_PREDICATES, weights)[0]

    def old_score(self, predicate: str) -> int:
        low, high = _OLD_SCALE[predicate]
        if self.rng.random() < 0.2:  # old-scale scores ran high
            low, high = high, min(high + 4, 99)
        return self.rng.randint(low, high)

    def random_discipline(self, emp: _Employee) -> None:
        rng = self.rng
        if rng.random() < 0.04 + 0.1 * (1 - emp.engagement):
            level = rng.choices(("light", "medium", "heavy"), (6, 3, 1))[0]
            self.punishment(emp, level, self.random_day(self.year - rng.randint(0, 7)), None)

    # --- scenarios ------------------------------------------------------------------------

    def scenarios(self, count: int) -> None:
        n = max(1, round(count / 60))
        plan: tuple[tuple[Callable[[_Employee], bool], int], ...] = (
            (self.revised_appraisal, n),
            (self.hours_corrected_same_time, n),
            (self.position_corrected_out_of_order, n),
            (self.unit_changed, n),
            (self.duplicate_row_deleted_early, n),
            (self.punishment_annulled, n),
            (self.position_deleted_early, max(1, n // 2)),
            (self.appraisal_withdrawn, max(1, n // 2)),
            (self.profile_deleted, 1),
            (self.promotion_not_yet_national, n),
            (self.transferred_from_luwu, 2),
        )
        for scenario, wanted in plan:
            pool = [e for e in self.employees if not e.anchor and e.nip not in self.used]
            self.rng.shuffle(pool)
            done = 0
            for emp in pool:
                if done == wanted:
                    break
                if scenario(emp):
                    self.used.add(emp.nip)
                    done += 1

    def find(
        self,
        emp: _Employee,
        source: str,
        kind: str,
        where: Callable[[_Event], bool] = lambda _: True,
    ) -> _Event | None:
        for event in self.by_nip[emp.nip]:
            if event.source == source and event.kind == kind and not event.deleted and where(event):
                return event
        return None

    def resend(self, original: _Event, data: dict[str, Any], note: str, later_days: int) -> _Event:
        event = _Event(
            original.source,
            original.kind,
            False,
            original.nip,
            original.time + timedelta(days=later_days),
            data,
            note,
            len(self.events),
        )
        self.events.append(event)
        self.by_nip[original.nip].append(event)
        return event

    def revised_appraisal(self, emp: _Employee) -> bool:
        original = self.find(
            emp,
            EKINERJA,
            "performance",
            lambda e: e.data is not None and e.data["year"] == self.year - 1,
        )
        if original is None or original.data is None:
            return False
        old = original.data["predicate"]
        new = _BETTER[old]
        self.resend(
            original,
            {**original.data, "predicate": new},
            f"ekinerja performance upsert: correction {old} -> {new} after an "
            "objection (later time; wins)",
            self.rng.randint(10, 40),
        )
        return True

    def hours_corrected_same_time(self, emp: _Employee) -> bool:
        original = self.find(
            emp,
            BOGOR,
            "training",
            lambda e: (
                e.data is not None
                and e.data["category"] == "technical"
                and e.data["end_date"].startswith(str(self.year))
            ),
        )
        if original is None or original.data is None:
            return False
        hours = original.data["hours"]
        new = hours + 8 if hours < 20 else max(4, hours - 12)
        self.resend(
            original,
            {**original.data, "hours": new},
            f"simpeg:3201 training upsert: correction {hours} -> {new} JP with the same "
            "time and a higher sequence (wins)",
            0,
        )
        return True

    def position_corrected_out_of_order(self, emp: _Employee) -> bool:
        original = self.find(emp, SIASN, "position")
        if original is None or original.data is None:
            return False
        tmt = date.fromisoformat(original.data["tmt"]) - timedelta(days=31)
        tmt = max(tmt, emp.tmt_cpns)
        correction = self.resend(
            original,
            {**original.data, "tmt": tmt.isoformat()},
            "siasn position upsert: correction of the TMT (later time; "
            "arrives BEFORE the statement it corrects; still wins)",
            self.rng.randint(3, 20),
        )
        correction.arrive_before = original
        return True

    def unit_changed(self, emp: _Employee) -> bool:
        original = self.find(emp, SIASN, "profile")
        if original is None or original.data is None:
            return False
        unit = f"{emp.agency}.{self.rng.choice(self.words.units[emp.agency])}"
        if unit == original.data["unit_code"]:
            return False
        self.resend(
            original,
            {**original.data, "unit_code": unit},
            "siasn profile upsert: correction, moved to another unit of the same "
            "agency (later time; wins)",
            self.rng.randint(20, 120),
        )
        return True

    def duplicate_row_deleted_early(self, emp: _Employee) -> bool:
        regional = emp.regional
        if regional is None or not emp.in_simpeg:
            return False
        row = self.own_row(emp, "training")
        end = self.random_day(self.year, 1, 10)
        values = {
            "category": "technical",
            "name": self.rng.choice(self.words.technical),
            "start_date": (end - timedelta(days=3)).isoformat(),
            "end_date": end.isoformat(),
            "hours": 24,
        }
        upsert = self.emit(
            regional,
            "training",
            emp,
            values,
            end,
            "technical training entered twice by mistake (24 JP; its delete, "
            "with a later time, arrives first: the row stays deleted)",
            row,
        )
        delete = self.emit(
            regional,
            "training",
            emp,
            None,
            end,
            "removes the row entered twice (later time; arrives BEFORE its upsert)",
            row,
            deleted=True,
            time=upsert.time + timedelta(days=self.rng.randint(1, 10)),
        )
        delete.arrive_before = upsert
        return True

    def punishment_annulled(self, emp: _Employee) -> bool:
        if not emp.in_siasn:
            return False
        row = self.national_id()
        start = self.random_day(self.year - 1)
        values = {
            "level": "medium",
            "decree_number": f"862.3/{self.rng.randint(10, 999)}-BKPSDM/{start.year}",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=360)).isoformat(),
        }
        upsert = self.emit(
            SIASN,
            "discipline",
            emp,
            values,
            start,
            "medium punishment, annulled on appeal later",
            row,
        )
        self.emit(
            SIASN,
            "discipline",
            emp,
            None,
            start,
            "punishment annulled on appeal (later time; the record is absent)",
            row,
            deleted=True,
            time=upsert.time + timedelta(days=self.rng.randint(30, 90)),
        )
        return True

    def position_deleted_early(self, emp: _Employee) -> bool:
        original = self.find(emp, SIASN, "position")
        if original is None:
            return False
        delete = self.emit(
            SIASN,
            "position",
            emp,
            None,
            self.day(0, 1, 1),
            "position vacated (later time; arrives BEFORE the upsert it "
            "deletes): no position, no index",
            deleted=True,
            time=original.time + timedelta(days=self.rng.randint(5, 60)),
        )
        delete.arrive_before = original
        return True

    def appraisal_withdrawn(self, emp: _Employee) -> bool:
        original = self.find(
            emp,
            EKINERJA,
            "performance",
            lambda e: e.data is not None and e.data["year"] == self.year - 1,
        )
        if original is None or original.data is None:
            return False
        row = original.data["record_id"]
        if (
            self.find(
                emp,
                SIASN,
                "performance",
                lambda e: e.data is not None and e.data["record_id"] == row,
            )
            is None
        ):
            self.emit(
                SIASN,
                "performance",
                emp,
                {"year": self.year - 1, "score": 88},
                original.time.date(),
                f"{self.year - 1} appraisal, old-scale score 88 "
                "(does not count: ekinerja deleted the row)",
                row,
            )
        self.emit(
            EKINERJA,
            "performance",
            emp,
            None,
            original.time.date(),
            "appraisal withdrawn (ekinerja outranks siasn, so the record is absent)",
            row,
            deleted=True,
            time=original.time + timedelta(days=15),
        )
        return True

    def profile_deleted(self, emp: _Employee) -> bool:
        original = self.find(emp, emp.regional or "", "profile")
        if emp.in_siasn or original is None:
            return False
        self.emit(
            original.source,
            "profile",
            emp,
            None,
            self.day(0, 1, 1),
            "profile entered under a wrong NIP, deleted (no index)",
            deleted=True,
            time=original.time + timedelta(days=self.rng.randint(10, 40)),
        )
        return True

    def promotion_not_yet_national(self, emp: _Employee) -> bool:
        regional = emp.regional
        original = self.find(emp, SIASN, "position")
        if regional is None or not emp.in_simpeg or original is None or emp.position is None:
            return False
        if emp.position["position_type"] == "pelaksana":
            new = {"position_type": "fungsional", "position_name": "Pranata Komputer Ahli Pertama"}
        elif emp.position["position_type"] == "fungsional" and emp.employee_type == "PNS":
            new = {
                "position_type": "struktural",
                "position_name": _struktural_name("Kepala Seksi", emp.unit_code, self.words),
                "echelon": "IV" if regional == LUWU else "IV.a",
            }
        else:
            return False
        tmt = self.random_day(self.year, 3, 9)
        self.emit(
            regional,
            "position",
            emp,
            {**new, "tmt": tmt.isoformat()},
            tmt,
            "promotion known regionally only (conflict: siasn still has the old position and wins)",
        )
        return True

    def transferred_from_luwu(self, emp: _Employee) -> bool:
        if emp.agency != "3201" or self.find(emp, SIASN, "profile") is None:
            return False
        old_unit = "7317.DISDIK"
        profile = {
            "name": emp.name,
            "birth_date": emp.birth.isoformat(),
            "gender": emp.gender,
            "employee_type": emp.employee_type,
            "status": "active",
            "agency_code": "7317",
            "unit_code": old_unit,
        }
        note = "(the employee moved to agency 3201: valid, but does not count)"
        self.emit(
            LUWU,
            "profile",
            emp,
            profile,
            emp.tmt_cpns,
            f"stale profile from the former agency {note}",
            time=self.stamp(LUWU, self.day(0, 1, 8)),
        )
        self.emit(
            LUWU,
            "position",
            emp,
            {
                "position_type": "pelaksana",
                "position_name": "Pengadministrasi Perkantoran",
                "tmt": emp.tmt_cpns.isoformat(),
            },
            self.day(0, 2, 1),
            f"former position {note}",
        )
        end = self.random_day(self.year, 2, 10)
        self.emit(
            LUWU,
            "training",
            emp,
            {
                "category": "technical",
                "name": "Bimbingan Teknis SIPD",
                "start_date": (end - timedelta(days=4)).isoformat(),
                "end_date": end.isoformat(),
                "hours": 32,
            },
            end,
            f"technical training 32 JP {note}",
            self.own_row(emp, "training"),
        )
        return True

    # --- messages -------------------------------------------------------------------------

    def number(self) -> None:
        """Ids in event-time order per source; sequences per source and subject."""
        per_source: dict[str, list[_Event]] = defaultdict(list)
        for event in self.events:
            per_source[event.source].append(event)
        for source, events in per_source.items():
            events.sort(key=lambda e: (e.time, e.order))
            sequences: dict[str, int] = defaultdict(int)
            for event in events:
                event.event_id = self.next_id(source)
                if source in _SEQUENCED:
                    sequences[event.nip] += 1
                    event.sequence = sequences[event.nip]

    def next_id(self, source: str) -> str:
        self.ids[source] += 1
        return f"{source}-{self.ids[source]:06d}"

    def arrive(self) -> None:
        """Per source and subject in event-time order, each after a delivery delay; then the
        messages meant to overtake another."""
        groups: dict[tuple[str, str], list[_Event]] = defaultdict(list)
        for event in self.events:
            groups[event.source, event.nip].append(event)
        for (source, _), events in groups.items():
            low, high = _DELAY_HOURS[source]
            previous = float("-inf")
            for event in sorted(events, key=lambda e: (e.time, e.order)):
                delay = self.rng.uniform(low, high) * 3600
                event.arrival = max(previous + 1, event.time.timestamp() + delay)
                previous = event.arrival
        for event in self.events:
            if event.arrive_before is not None:
                event.arrival = event.arrive_before.arrival - self.rng.uniform(60, 6 * 3600)

    def messages(self, count: int, malformed: Iterable[Mapping[str, Any]]) -> list[SampleMessage]:
        self.number()
        self.arrive()
        timed: list[tuple[float, int, SampleMessage]] = [
            (e.arrival, e.order, SampleMessage(e.nip.encode(), _encode(_envelope(e)), e.note))
            for e in self.events
        ]
        order = len(timed)
        for original in self.rng.sample(self.events, max(1, count // 20)):
            order += 1
            timed.append(
                (
                    original.arrival + self.rng.uniform(30, 2 * 86400),
                    order,
                    SampleMessage(
                        original.nip.encode(),
                        _encode(_envelope(original)),
                        f"exact duplicate of {original.event_id} (re-sent by "
                        "the producer; counted once)",
                    ),
                )
            )
        first, last = min(t[0] for t in timed), max(t[0] for t in timed)
        for message in self.malformed(malformed):
            order += 1
            timed.append((self.rng.uniform(first, last), order, message))
        timed.sort(key=lambda t: (t[0], t[1]))
        return [m for *_, m in timed]

    def envelope(
        self, source: str, kind: str, emp: _Employee, data: dict[str, Any]
    ) -> dict[str, Any]:
        day = self.random_day(self.year, 2, 11)
        event = _Event(
            source, kind, False, emp.nip, self.stamp(source, day), data, "", 0, self.next_id(source)
        )
        return _envelope(event)

    def pick(self, agency: str | None = None, *, national: bool = False) -> _Employee:
        pool = [
            e
            for e in self.employees
            if (agency is None or e.agency == agency) and (e.in_siasn or not national)
        ]
        return self.rng.choice(pool or self.employees)

    def malformed(self, recipes: Iterable[Mapping[str, Any]]) -> list[SampleMessage]:
        """Messages the worker must dead-letter, made as data/malformed.toml says; each is
        noted ``malformed <reason>: ...``."""
        day = self.random_day(self.year, 2, 11)
        return [self.malformed_message(recipe, day) for recipe in recipes]

    def malformed_message(self, recipe: Mapping[str, Any], day: date) -> SampleMessage:
        note = recipe["note"]
        if "copy_of" in recipe:
            return self.misdirected_copy(recipe["copy_of"], note)
        who = recipe["employee"]
        emp = self.pick(national=True) if who == "national" else self.pick(who)
        if "text" in recipe:
            line = recipe["text"].format(nip=emp.nip, NAME=emp.name.upper())
            return SampleMessage(emp.nip.encode(), line.encode(), note)
        data = self.malformed_data(recipe["data"], emp, day)
        broken = recipe.get("broken")
        copies = 2 if broken == "batch of two" else 1
        events = [self.envelope(recipe["source"], recipe["kind"], emp, data) for _ in range(copies)]
        return _spoiled(events, broken, note)

    def malformed_data(
        self, written: str | Mapping[str, Any], emp: _Employee, day: date
    ) -> dict[str, Any]:
        if isinstance(written, str):
            if written != "{profile}":
                raise ValueError(f"unknown data in malformed.toml: {written!r}")
            return _profile_values(emp)
        return {name: self.filled(value, emp, day) for name, value in written.items()}

    def filled(self, value: object, emp: _Employee, day: date) -> object:
        """A data value of data/malformed.toml, its placeholder (if any) filled in."""
        own = re.fullmatch(r"\{own (\w+) row\}", value) if isinstance(value, str) else None
        if own:
            return self.own_row(emp, own[1])
        if value == "{national row}":
            return self.national_id()
        if value == "{day}":
            return day.isoformat()
        if value == "{N-1}":
            return self.year - 1
        if isinstance(value, str) and value.startswith("{"):
            raise ValueError(f"unknown placeholder in malformed.toml: {value}")
        return value

    def misdirected_copy(self, source: str, note: str) -> SampleMessage:
        """An exact copy of a valid event, keyed by another employee's NIP: dead-lettered as it
        is, and a mere duplicate where the key is re-derived from the subject."""
        original = self.rng.choice([e for e in self.events if e.source == source])
        others = [e.nip for e in self.employees if e.nip != original.nip] or ["199001012015011001"]
        return SampleMessage(
            self.rng.choice(others).encode(),
            _encode(_envelope(original)),
            note.format(event_id=original.event_id),
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def _envelope(event: _Event) -> dict[str, Any]:
    value: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.event_id,
        "source": event.source,
        "type": f"asn.{event.kind}.{'deleted' if event.deleted else 'upserted'}",
        "subject": event.nip,
        "time": _rfc3339(event.time),
    }
    if event.sequence is not None:
        value["sequence"] = event.sequence
    value["datacontenttype"] = "application/json"
    if event.data is not None:
        value["data"] = event.data
    return value


def _rfc3339(moment: datetime) -> str:
    if moment.utcoffset() == timedelta(0):
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds")


def _encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _spoiled(events: list[dict[str, Any]], broken: str | None, note: str) -> SampleMessage:
    """The events as one message, broken as data/malformed.toml says; keyed by the subject."""
    first = events[0]
    if broken == "birth month 13":
        nip = first["subject"]
        first["subject"] = f"{nip[:4]}13{nip[6:]}"
    elif broken == "time without offset":
        first["time"] = first["time"][:19]
    elif broken not in (None, "batch of two"):
        raise ValueError(f"unknown way to break an event in malformed.toml: {broken!r}")
    value = events if broken == "batch of two" else first
    return SampleMessage(first["subject"].encode(), _encode(value), note)


def _profile_values(emp: _Employee) -> dict[str, Any]:
    return {
        "name": emp.name,
        "birth_date": emp.birth.isoformat(),
        "gender": emp.gender,
        "employee_type": emp.employee_type,
        "status": emp.status,
        "agency_code": emp.agency,
        "unit_code": emp.unit_code,
    }


def _struktural_name(name: str, unit_code: str, words: Vocabulary) -> str:
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


def _variant(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The same record as a regional system writes it: different enough to be a conflict."""
    if kind == "education":
        return {**values, "institution": values["institution"].upper()}
    if kind == "training":
        return {**values, "name": values["name"].upper()}
    if kind == "discipline":
        return {**values, "decree_number": values["decree_number"].replace("-", "/")}
    return values


def _title(level: str, rng: random.Random, words: Vocabulary) -> tuple[str, str]:
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
