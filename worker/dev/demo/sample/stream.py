"""The event stream being built: the sources, their clocks, the employees and the events emitted.

One ``Stream`` holds all the sample's state: the seeded ``random.Random`` every other module
draws on, the measurement year, the names, the employees and the events in the order they were
stated. The other modules tell their stories through it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from worker.dev.demo.sample_data import Vocabulary

SIASN = "siasn"
EKINERJA = "ekinerja"
BOGOR = "simpeg:3201"
LUWU = "simpeg:7317"
REGIONAL_SOURCES = {"3201": BOGOR, "7317": LUWU}
# Kota Bandung, Kota Makassar, Kota Padang: no regional system publishes for them.
NATIONAL_ONLY_AGENCIES = ("3273", "7371", "1371")

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
_ZONES = {SIASN: UTC, EKINERJA: WIB, BOGOR: WIB, LUWU: WITA}
_OWN_ROW_PREFIX = {"education": "PDK", "training": "DIK", "performance": "SKP", "discipline": "HD"}


@dataclass(slots=True)
class Employee:
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
class Event:
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
    arrive_before: Event | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Stream:
    def __init__(self, seed: int, year: int, words: Vocabulary) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not security
        self.year = year
        self.words = words
        self.employees: list[Employee] = []
        self.events: list[Event] = []
        self.by_nip: dict[str, list[Event]] = defaultdict(list)
        self.nips: set[str] = set()
        self.own_rows: dict[str, int] = defaultdict(int)
        self.ids: dict[str, int] = defaultdict(int)

    # --- dates and ids --------------------------------------------------------------------

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

    def own_row(self, emp: Employee, kind: str) -> str:
        self.own_rows[emp.agency] += 1
        return f"{emp.agency}-{_OWN_ROW_PREFIX[kind]}-{self.own_rows[emp.agency]:06d}"

    def next_id(self, source: str) -> str:
        self.ids[source] += 1
        return f"{source}-{self.ids[source]:06d}"

    def event_day(self, known_on: date) -> date:
        """When a source publishes a fact: after it happened, and not before the stream began
        (early in the measurement year, when the sources were connected)."""
        after = known_on + timedelta(days=self.rng.randint(1, 30))
        connected = self.day(0, 1, 6) + timedelta(days=self.rng.randint(0, 80))
        return max(after, connected)

    def stamp(self, source: str, day: date) -> datetime:
        """A time of day on the source's own clock (siasn in UTC, with milliseconds)."""
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

    # --- employees and events -------------------------------------------------------------

    def add(self, emp: Employee) -> Employee:
        self.nips.add(emp.nip)
        self.employees.append(emp)
        return emp

    def emit(
        self,
        source: str,
        kind: str,
        emp: Employee,
        values: dict[str, Any] | None,
        known_on: date,
        note: str,
        record_id: str | None = None,
        *,
        deleted: bool = False,
        time: datetime | None = None,
    ) -> Event:
        """A source states a fact about emp (or deletes it), some days after known_on."""
        data = _event_data(source, emp, values, record_id, deleted=deleted)
        event = Event(
            source,
            kind,
            deleted,
            emp.nip,
            time or self.stamp(source, self.event_day(known_on)),
            data,
            f"{source} {kind} {'delete' if deleted else 'upsert'}: {note}",
            len(self.events),
        )
        return self.append(event)

    def resend(self, original: Event, data: dict[str, Any], note: str, later_days: int) -> Event:
        """The same record stated again by its source, later_days after it first was."""
        time = original.time + timedelta(days=later_days)
        event = Event(
            original.source, original.kind, False, original.nip, time, data, note, len(self.events)
        )
        return self.append(event)

    def append(self, event: Event) -> Event:
        self.events.append(event)
        self.by_nip[event.nip].append(event)
        return event

    def find(
        self,
        emp: Employee,
        source: str,
        kind: str,
        where: Callable[[Event], bool] = lambda _: True,
    ) -> Event | None:
        """The first upsert of this kind the source stated about emp (and where says yes)."""
        for event in self.by_nip[emp.nip]:
            if event.source == source and event.kind == kind and not event.deleted and where(event):
                return event
        return None


def _event_data(
    source: str,
    emp: Employee,
    values: dict[str, Any] | None,
    record_id: str | None,
    *,
    deleted: bool,
) -> dict[str, Any] | None:
    data: dict[str, Any] | None = None
    if record_id is not None:
        data = {"record_id": record_id}
    if not deleted and values is not None:
        data = {**(data or {}), **values}
        if source in (BOGOR, LUWU):
            data["operator"] = f"bkpsdm-{emp.agency}"  # unknown to the contract: ignored
    return data
