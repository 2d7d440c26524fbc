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
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

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
    if count < len(_ANCHORS):
        raise ValueError(f"count must be at least {len(_ANCHORS)}")
    builder = _Builder(seed, measurement_year)
    for anchor in _ANCHORS:
        anchor(builder)
    while len(builder.employees) < count:
        builder.random_employee()
    builder.scenarios(count)
    return builder.messages(count)


# ---------------------------------------------------------------------------------------------
# Vocabulary

_GIVEN = {
    ("sunda", "M"): (
        "Asep",
        "Ujang",
        "Dadang",
        "Cecep",
        "Yayan",
        "Deden",
        "Ade",
        "Engkus",
        "Iwan",
        "Agus",
        "Dede",
        "Rudi",
        "Hendra",
        "Yusuf",
    ),
    ("sunda", "F"): (
        "Euis",
        "Iis",
        "Neneng",
        "Lilis",
        "Cucu",
        "Yuyun",
        "Siti",
        "Rina",
        "Dewi",
        "Nia",
        "Teti",
        "Wulan",
        "Imas",
        "Nurul",
    ),
    ("bugis", "M"): (
        "Andi",
        "Muhammad",
        "Abdul",
        "Syamsul",
        "Rahmat",
        "Ilham",
        "Muh.",
        "Baharuddin",
        "Jamaluddin",
        "Ansar",
        "Ridwan",
        "Arifin",
        "Haeruddin",
    ),
    ("bugis", "F"): (
        "Sitti",
        "Nurhayati",
        "Hasnah",
        "Andi",
        "Sulfiana",
        "Rismawati",
        "Nurul",
        "Irmawati",
        "Hasmiati",
        "Fitriani",
        "Jumriani",
        "Asriani",
        "Darmawati",
    ),
    ("umum", "M"): (
        "Budi",
        "Eko",
        "Agus",
        "Dedi",
        "Hendra",
        "Fajar",
        "Rizky",
        "Yusuf",
        "Irfan",
        "Arief",
        "Bambang",
        "Joko",
        "Teguh",
        "Dimas",
    ),
    ("umum", "F"): (
        "Sri",
        "Dewi",
        "Rina",
        "Fitri",
        "Ayu",
        "Putri",
        "Indah",
        "Ratna",
        "Yulia",
        "Maya",
        "Novita",
        "Diah",
        "Anisa",
        "Retno",
    ),
}
_FAMILY = {
    ("sunda", "M"): (
        "Sukmana",
        "Permana",
        "Hidayat",
        "Suryana",
        "Rohman",
        "Supriatna",
        "Nurjaman",
        "Kurniawan",
        "Setiawan",
        "Ruhiyat",
        "Hermawan",
        "Saepudin",
    ),
    ("sunda", "F"): (
        "Rahmawati",
        "Nurhasanah",
        "Komalasari",
        "Handayani",
        "Kurniasih",
        "Rosmiati",
        "Sumiati",
        "Nurlela",
        "Marlina",
        "Herawati",
        "Susilawati",
    ),
    ("bugis", "M"): (
        "Baso",
        "Mappa",
        "Rauf",
        "Hamzah",
        "Latif",
        "Syam",
        "Kadir",
        "Patta",
        "Rusdi",
        "Tahir",
        "Amiruddin",
        "Makkasau",
    ),
    ("bugis", "F"): (
        "Rahman",
        "Syam",
        "Kadir",
        "Hamzah",
        "Tahir",
        "Rusdi",
        "Amir",
        "Baso",
        "Arsyad",
        "Mustari",
    ),
    ("umum", "M"): (
        "Santoso",
        "Setiawan",
        "Wijaya",
        "Saputra",
        "Pratama",
        "Gunawan",
        "Nugroho",
        "Susanto",
        "Hidayat",
        "Kusuma",
        "Siregar",
        "Harahap",
    ),
    ("umum", "F"): (
        "Wulandari",
        "Handayani",
        "Lestari",
        "Rahayu",
        "Susanti",
        "Purnamasari",
        "Maharani",
        "Anggraini",
        "Siregar",
        "Lubis",
        "Permatasari",
        "Utami",
    ),
}
_CULTURE = {"3201": "sunda", "3273": "sunda", "7317": "bugis", "7371": "bugis", "1371": "umum"}
_UNITS = {
    "3201": ("DISDIK", "DINKES", "BKPSDM", "SETDA", "DPMPTSP", "KEC-CIBINONG", "RSUD-CIBINONG"),
    "7317": ("DISDIK", "DINKES", "BKPSDM", "SETDA", "DISTAN", "KEC-BELOPA", "RSUD-BATARA-GURU"),
}
_DEFAULT_UNITS = ("DISDIK", "DINKES", "BKPSDM", "SETDA", "BAPPEDA")

# (position name, echelon, weight)
_STRUKTURAL = (
    ("Kepala Dinas", "II.b", 1),
    ("Sekretaris Dinas", "III.a", 3),
    ("Camat", "III.a", 2),
    ("Kepala Bidang", "III.b", 5),
    ("Kepala Bagian", "III.b", 2),
    ("Sekretaris Kecamatan", "III.b", 1),
    ("Kepala Seksi", "IV.a", 6),
    ("Kepala Subbagian Umum dan Kepegawaian", "IV.a", 3),
    ("Lurah", "IV.a", 2),
    ("Kepala Seksi Pemerintahan Kelurahan", "IV.b", 1),
)
_UNIT_POSTS = frozenset(
    {
        "Kepala Dinas",
        "Sekretaris Dinas",
        "Kepala Bidang",
        "Kepala Bagian",
        "Kepala Seksi",
        "Kepala Subbagian Umum dan Kepegawaian",
    }
)
_FUNGSIONAL = (
    ("Guru Ahli Pertama", 9),
    ("Guru Ahli Muda", 6),
    ("Guru Ahli Madya", 3),
    ("Perawat Terampil", 4),
    ("Perawat Ahli Pertama", 2),
    ("Bidan Terampil", 3),
    ("Dokter Ahli Pertama", 1),
    ("Dokter Ahli Muda", 1),
    ("Analis Kebijakan Ahli Muda", 1),
    ("Pranata Komputer Ahli Pertama", 2),
    ("Penyuluh Pertanian Ahli Pertama", 2),
    ("Auditor Ahli Muda", 1),
    ("Analis Sumber Daya Manusia Aparatur Ahli Pertama", 1),
    ("Apoteker Ahli Pertama", 1),
    ("Pengelola Pengadaan Barang/Jasa Ahli Pertama", 1),
)
_PELAKSANA = (
    "Pengadministrasi Perkantoran",
    "Penata Layanan Operasional",
    "Pengelola Layanan Operasional",
    "Operator Layanan Operasional",
)
_INSTITUTIONS = {
    "sunda": (
        "Universitas Pakuan",
        "IPB University",
        "Universitas Ibn Khaldun Bogor",
        "Universitas Padjadjaran",
        "Universitas Indonesia",
        "Universitas Terbuka",
    ),
    "bugis": (
        "Universitas Hasanuddin",
        "Universitas Negeri Makassar",
        "Universitas Andi Djemma Palopo",
        "IAIN Palopo",
        "Universitas Muslim Indonesia",
        "Universitas Terbuka",
    ),
    "umum": (
        "Universitas Andalas",
        "Universitas Negeri Padang",
        "Universitas Gadjah Mada",
        "Universitas Diponegoro",
        "Universitas Brawijaya",
        "Universitas Terbuka",
    ),
}
_SCHOOLS = {
    "sunda": "SMA Negeri 1 Cibinong",
    "bugis": "SMA Negeri 1 Palopo",
    "umum": "SMA Negeri 2 Padang",
}
_POLYTECHNICS = {
    "sunda": "Politeknik Kesehatan Kemenkes Bandung",
    "bugis": "Politeknik Kesehatan Kemenkes Makassar",
    "umum": "Politeknik Negeri Padang",
}
_TECHNICAL = (
    "Pelatihan Pengadaan Barang/Jasa Pemerintah Tingkat Dasar",
    "Bimbingan Teknis Aplikasi SRIKANDI",
    "Pelatihan Pengelolaan Keuangan Daerah",
    "Bimbingan Teknis Penyusunan SKP",
    "Pelatihan Pelayanan Prima",
    "Pelatihan Literasi Digital ASN",
    "Bimbingan Teknis SIPD",
    "Pelatihan Manajemen Risiko",
    "Pelatihan Penanggulangan Bencana",
    "Pelatihan Analisis Jabatan",
)
_SEMINARS = (
    "Seminar Nasional Reformasi Birokrasi",
    "Webinar Smart ASN Menuju Birokrasi 4.0",
    "Webinar Manajemen Talenta ASN",
    "Seminar Kesehatan Ibu dan Anak",
    "Lokakarya Inovasi Pelayanan Publik",
    "Webinar Pencegahan Korupsi di Lingkungan Pemda",
)
# Leadership training per echelon: the names before and after the 2019 reform.
_LEADERSHIP = {
    "II": (
        ("PIM_II", "Diklat Kepemimpinan Tingkat II", 390),
        ("PKN_II", "Pelatihan Kepemimpinan Nasional Tingkat II", 600),
    ),
    "III": (
        ("PIM_III", "Diklat Kepemimpinan Tingkat III", 369),
        ("PKA", "Pelatihan Kepemimpinan Administrator", 570),
    ),
    "IV": (
        ("PIM_IV", "Diklat Kepemimpinan Tingkat IV", 285),
        ("PKP", "Pelatihan Kepemimpinan Pengawas", 330),
    ),
}
_LOWER_ECHELON = {"II": "III", "III": "IV"}
_PREDICATES = (
    "SANGAT_BAIK",
    "BAIK",
    "CUKUP",
    "BUTUH_PERBAIKAN",
    "KURANG",
    "BURUK",
    "SANGAT_KURANG",
)
_OLD_SCALE = {
    "SANGAT_BAIK": (91, 98),
    "BAIK": (76, 90),
    "CUKUP": (61, 75),
    "BUTUH_PERBAIKAN": (61, 70),
    "KURANG": (51, 60),
    "BURUK": (35, 50),
    "SANGAT_KURANG": (20, 40),
}
_BETTER = {
    "BAIK": "SANGAT_BAIK",
    "CUKUP": "BAIK",
    "BUTUH_PERBAIKAN": "CUKUP",
    "KURANG": "CUKUP",
    "BURUK": "KURANG",
    "SANGAT_KURANG": "BURUK",
    "SANGAT_BAIK": "BAIK",
}
_DEGREE_TITLES = ("S.E.", "S.Sos.", "S.H.", "S.T.", "S.Kom.", "S.I.P.", "S.A.P.", "S.Si.")
_MASTER_TITLES = ("M.Si.", "M.M.", "M.A.P.", "M.Pd.")


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
    def __init__(self, seed: int, year: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not security
        self.year = year
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

    # --- random employees -----------------------------------------------------------------

    def random_employee(self) -> _Employee:
        rng, year = self.rng, self.year
        agency = rng.choices(("3201", "7317", *NATIONAL_ONLY_AGENCIES), (40, 35, 9, 8, 8))[0]
        culture = _CULTURE[agency] if rng.random() < 0.85 else "umum"
        gender = rng.choice(("M", "F"))
        birth = self.random_day(rng.randint(year - 57, year - 24))
        tmt_year = rng.randint(birth.year + 22, min(birth.year + 35, year - 1))
        tmt = date(tmt_year, rng.choice((1, 2, 3, 4, 12)), 1)
        regional = agency in REGIONAL_SOURCES
        where = rng.random()
        nip = self.unique_nip(birth, tmt, gender)
        given, family = rng.choice(_GIVEN[culture, gender]), rng.choice(_FAMILY[culture, gender])
        emp = self.add(
            _Employee(
                nip=nip,
                name=f"{given} {family}",
                birth=birth,
                gender=gender,
                tmt_cpns=tmt,
                agency=agency,
                unit_code=f"{agency}.{rng.choice(_UNITS.get(agency, _DEFAULT_UNITS))}",
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
        emp.title = _title(level, rng)
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
        if kind == "struktural":
            name, echelon, _ = rng.choices(_STRUKTURAL, [w for *_, w in _STRUKTURAL])[0]
            position |= {"position_name": _struktural_name(name, emp.unit_code), "echelon": echelon}
        elif kind == "fungsional":
            position["position_name"] = rng.choices(_FUNGSIONAL, [w for _, w in _FUNGSIONAL])[0][0]
        else:
            position["position_name"] = rng.choice(_PELAKSANA)
        position["tmt"] = tmt.isoformat()
        return position

    def random_education(self, emp: _Employee) -> str:
        """Education rows; returns the highest level graduated."""
        rng, pos = self.rng, emp.position or {"position_type": "pelaksana", "position_name": ""}
        universities = _INSTITUTIONS[emp.culture]
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
                emp, "SMA", _SCHOOLS[emp.culture], self.random_day(emp.birth.year + 18, 5, 6)
            )
        institution = _POLYTECHNICS[emp.culture] if entry == "D3" else rng.choice(universities)
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
                    rng.choice(_TECHNICAL),
                    self.random_day(year),
                    rng.randint(1, 5),
                    rng.choice((4, 6, 8, 8, 10, 12, 16, 20, 24, 32)),
                )
        for _ in range(rng.randint(0, 2)):  # older technical training: outside the window
            self.training(
                emp,
                "technical",
                rng.choice(_TECHNICAL),
                self.random_day(year - rng.randint(1, 3)),
                rng.randint(1, 5),
                rng.choice((8, 16, 24, 32)),
            )
        for _ in range(2):
            if rng.random() < 0.15 + 0.55 * e:
                self.training(
                    emp,
                    "seminar",
                    rng.choice(_SEMINARS),
                    self.random_day(year - rng.randint(0, 1)),
                    0,
                    rng.randint(2, 8),
                )
        if rng.random() < 0.3:  # an older seminar: outside the window
            self.training(
                emp,
                "seminar",
                rng.choice(_SEMINARS),
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
        tier, name, hours = _LEADERSHIP[echelon][0 if end_year < 2019 else 1]
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
        units = _UNITS.get(emp.agency, _DEFAULT_UNITS)
        unit = f"{emp.agency}.{self.rng.choice(units)}"
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
            "name": self.rng.choice(_TECHNICAL),
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
                "position_name": _struktural_name("Kepala Seksi", emp.unit_code),
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

    def messages(self, count: int) -> list[SampleMessage]:
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
        for key, value, note in self.malformed():
            order += 1
            timed.append((self.rng.uniform(first, last), order, SampleMessage(key, value, note)))
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

    def malformed(self) -> list[tuple[bytes | None, bytes, str]]:
        """Messages the worker must dead-letter, each noted ``malformed <reason>: ...``."""
        out: list[tuple[bytes | None, bytes, str]] = []
        day = self.random_day(self.year, 2, 11)

        legacy = self.pick("7317")
        line = f"{legacy.nip};{legacy.name.upper()};PENGADMINISTRASI PERKANTORAN;7317"
        out.append(
            (
                legacy.nip.encode(),
                line.encode(),
                "malformed not_json: a semicolon-separated export line, not JSON",
            )
        )

        batch = self.pick(national=True)
        training = {
            "record_id": self.national_id(),
            "category": "seminar",
            "name": _SEMINARS[0],
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "hours": 4,
        }
        events = [self.envelope(SIASN, "training", batch, training) for _ in range(2)]
        out.append(
            (
                batch.nip.encode(),
                _encode(events),
                "malformed invalid_event: a JSON array (a batch of two events), not one "
                "event object",
            )
        )

        salary = self.pick("3201")
        unknown = self.envelope(
            BOGOR,
            "salary",
            salary,
            {
                "record_id": self.own_row(salary, "training"),
                "basic_salary": 4_512_300,
                "grade": "III/c",
            },
        )
        out.append(
            (
                salary.nip.encode(),
                _encode(unknown),
                "malformed unknown_type: asn.salary.upserted is not a change event type",
            )
        )

        bad = self.pick(national=True)
        bad_nip = f"{bad.nip[:4]}13{bad.nip[6:]}"
        wrong = self.envelope(SIASN, "profile", bad, _profile_values(bad))
        wrong["subject"] = bad_nip
        out.append(
            (bad_nip.encode(), _encode(wrong), "malformed bad_nip: birth month 13 in the NIP")
        )

        out.append(self.missing_field())
        out.append(self.key_mismatch())

        intruder = self.pick(national=True)
        profile = self.envelope(EKINERJA, "profile", intruder, _profile_values(intruder))
        out.append(
            (
                intruder.nip.encode(),
                _encode(profile),
                "malformed not_authorised: ekinerja may send only performance",
            )
        )

        bogor = self.pick("3201")
        foreign = self.envelope(LUWU, "profile", bogor, _profile_values(bogor))
        out.append(
            (
                bogor.nip.encode(),
                _encode(foreign),
                "malformed not_authorised: a simpeg:7317 profile with agency_code 3201",
            )
        )

        naive = self.pick(national=True)
        skp = self.envelope(
            SIASN,
            "performance",
            naive,
            {"record_id": self.national_id(), "year": self.year - 1, "score": 80},
        )
        skp["time"] = skp["time"][:19]
        out.append(
            (
                naive.nip.encode(),
                _encode(skp),
                "malformed invalid_event: time without a UTC offset (not RFC 3339)",
            )
        )
        return out

    def missing_field(self) -> tuple[bytes | None, bytes, str]:
        emp = self.pick("3201")
        education = {
            "record_id": self.own_row(emp, "education"),
            "level": "S2",
            "institution": "IPB University",
        }
        event = self.envelope(BOGOR, "education", emp, education)
        return (
            emp.nip.encode(),
            _encode(event),
            "malformed invalid_event: education without graduated_on (a required field)",
        )

    def key_mismatch(self) -> tuple[bytes | None, bytes, str]:
        """An exact copy of a valid siasn event, keyed by another employee's NIP: dead-lettered
        as it is, and a mere duplicate where the key is re-derived from the subject."""
        original = self.rng.choice([e for e in self.events if e.source == SIASN])
        others = [e.nip for e in self.employees if e.nip != original.nip] or ["199001012015011001"]
        return (
            self.rng.choice(others).encode(),
            _encode(_envelope(original)),
            f"malformed key_mismatch: a copy of {original.event_id} keyed by another "
            "employee's NIP",
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


def _unit_name(unit_code: str) -> str:
    unit = unit_code.split(".", 1)[1]
    names = {
        "DISDIK": "Dinas Pendidikan",
        "DINKES": "Dinas Kesehatan",
        "BKPSDM": "BKPSDM",
        "SETDA": "Sekretariat Daerah",
        "DPMPTSP": "DPMPTSP",
        "DISTAN": "Dinas Pertanian",
        "BAPPEDA": "Bappeda",
    }
    return names.get(unit, "")


def _struktural_name(name: str, unit_code: str) -> str:
    """'Kepala Dinas' + DINKES: 'Kepala Dinas Kesehatan'; 'Kepala Seksi' + DINKES: 'Kepala Seksi
    pada Dinas Kesehatan'; territorial posts (Camat, Lurah, ...) stand alone."""
    unit = _unit_name(unit_code)
    if not unit or name not in _UNIT_POSTS:
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


def _title(level: str, rng: random.Random) -> tuple[str, str]:
    if level == "D3":
        return "", "A.Md."
    if level == "D4":
        return "", "S.Tr."
    if level in ("S1", "S2", "S3"):
        suffix = rng.choice(_DEGREE_TITLES)
        if level != "S1":
            suffix += ", " + rng.choice(_MASTER_TITLES)
        return ("Dr. " if level == "S3" else ""), suffix
    return "", ""


# ---------------------------------------------------------------------------------------------
# Anchors: the worked examples of contracts.md §3 and one employee in each other band.


def _worked_example_struktural(b: _Builder) -> None:
    """198703142010121001: 20 + 25 + 25 + 3 = 73, Sedang (measurement year 2025)."""
    emp = b.add(
        _Employee(
            nip="198703142010121001",
            name="Rudi Hermawan",
            birth=date(1987, 3, 14),
            gender="M",
            tmt_cpns=date(2010, 12, 1),
            agency="3201",
            unit_code="3201.BKPSDM",
            employee_type="PNS",
            in_siasn=True,
            in_simpeg=True,
            engagement=0.6,
            culture="sunda",
            anchor=True,
            title=("", "S.Sos., M.Si."),
            position={
                "position_type": "struktural",
                "position_name": "Kepala Bidang Pengembangan Kompetensi Aparatur",
                "echelon": "III.b",
                "tmt": b.day(-3, 1, 4).isoformat(),
            },
        )
    )
    b.profile(emp, regional_variant=False)
    b.position(emp)
    b.education(emp, "S1", "Universitas Pakuan", date(2009, 8, 29), SIASN)
    b.education(emp, "S2", "IPB University", b.day(-5, 9, 12), BOGOR)
    b.training(
        emp,
        "leadership",
        "Diklat Kepemimpinan Tingkat IV",
        b.day(-10, 6, 30),
        120,
        285,
        "PIM_IV",
        source=SIASN,
    )
    b.training(
        emp,
        "leadership",
        "Pelatihan Kepemimpinan Administrator",
        b.day(-1, 9, 30),
        150,
        570,
        "PKA",
        source=BOGOR,
    )
    b.training(emp, "technical", "Pelatihan Analisis Jabatan", b.day(0, 4, 10), 2, 10, source=SIASN)
    b.training(
        emp, "technical", "Bimbingan Teknis Aplikasi SRIKANDI", b.day(0, 7, 4), 1, 6, source=BOGOR
    )
    b.training(
        emp, "seminar", "Webinar Manajemen Talenta ASN", b.day(-1, 11, 12), 0, 2, source=SIASN
    )
    b.appraisal(emp, "BAIK", 92)
    b.punishment(emp, "light", b.day(-2, 2, 1), BOGOR)


def _worked_example_pelaksana(b: _Builder) -> None:
    """199406302019032002: 5 + 22.5 + 30 + 5 = 62.5, Rendah (measurement year 2025)."""
    emp = b.add(
        _Employee(
            nip="199406302019032002",
            name="Sitti Rahmawati",
            birth=date(1994, 6, 30),
            gender="F",
            tmt_cpns=date(2019, 3, 1),
            agency="7317",
            unit_code="7317.DISDIK",
            employee_type="PNS",
            in_siasn=True,
            in_simpeg=True,
            engagement=0.5,
            culture="bugis",
            anchor=True,
            position={
                "position_type": "pelaksana",
                "position_name": "Pengadministrasi Perkantoran",
                "tmt": b.day(-5, 3, 1).isoformat(),
            },
        )
    )
    b.profile(emp, regional_variant=False)
    b.position(emp)
    b.education(emp, "SMA", "SMA Negeri 1 Palopo", date(2012, 6, 20), SIASN)
    b.training(
        emp, "technical", "Bimbingan Teknis Penyusunan SKP", b.day(0, 3, 5), 1, 8, source=SIASN
    )
    b.training(emp, "technical", "Pelatihan Pelayanan Prima", b.day(0, 10, 9), 2, 12, source=LUWU)
    b.training(
        emp,
        "seminar",
        "Webinar Smart ASN Menuju Birokrasi 4.0",
        b.day(-2, 5, 20),
        0,
        2,
        source=SIASN,
    )
    b.appraisal(emp, "SANGAT_BAIK", None)
    b.punishment(emp, "heavy", b.day(-5, 8, 17), SIASN)


def _sangat_tinggi(b: _Builder) -> None:
    """20 + 40 + 30 + 5 = 95."""
    emp = b.add(
        _Employee(
            nip="197511022001121003",
            name="Dadang Supriatna",
            birth=date(1975, 11, 2),
            gender="M",
            tmt_cpns=date(2001, 12, 1),
            agency="3201",
            unit_code="3201.DINKES",
            employee_type="PNS",
            in_siasn=True,
            in_simpeg=True,
            engagement=0.95,
            culture="sunda",
            anchor=True,
            title=("dr. ", "M.Kes."),
            position={
                "position_type": "struktural",
                "position_name": "Kepala Dinas Kesehatan",
                "echelon": "II.b",
                "tmt": b.day(-2, 7, 1).isoformat(),
            },
        )
    )
    b.profile(emp)
    b.position(emp)
    b.education(emp, "S1", "Universitas Padjadjaran", date(1999, 8, 21), SIASN)
    b.education(emp, "S2", "Universitas Indonesia", date(2010, 2, 27), SIASN)
    b.training(
        emp,
        "leadership",
        "Pelatihan Kepemimpinan Nasional Tingkat II",
        b.day(-2, 10, 3),
        120,
        600,
        "PKN_II",
        source=SIASN,
    )
    b.training(emp, "technical", "Pelatihan Manajemen Risiko", b.day(0, 5, 16), 3, 16, source=SIASN)
    b.training(emp, "technical", "Bimbingan Teknis SIPD", b.day(0, 8, 22), 1, 8, source=BOGOR)
    b.training(emp, "seminar", "Seminar Kesehatan Ibu dan Anak", b.day(0, 3, 8), 0, 4, source=BOGOR)
    b.appraisal(emp, "SANGAT_BAIK", 95)


def _tinggi(b: _Builder) -> None:
    """15 + 40 + 25 + 5 = 85."""
    emp = b.add(
        _Employee(
            nip="198904172014032001",
            name="Nurul Hamzah",
            birth=date(1989, 4, 17),
            gender="F",
            tmt_cpns=date(2014, 3, 1),
            agency="7317",
            unit_code="7317.DISDIK",
            employee_type="PNS",
            in_siasn=True,
            in_simpeg=True,
            engagement=0.8,
            culture="bugis",
            anchor=True,
            title=("", "S.Pd."),
            position={
                "position_type": "fungsional",
                "position_name": "Guru Ahli Muda",
                "tmt": b.day(-3, 4, 1).isoformat(),
            },
        )
    )
    b.profile(emp)
    b.position(emp)
    b.education(emp, "S1", "Universitas Negeri Makassar", date(2011, 9, 10), SIASN)
    b.training(
        emp,
        "functional",
        "Pendidikan Profesi Guru Dalam Jabatan",
        b.day(-4, 11, 30),
        60,
        120,
        source=SIASN,
    )
    b.training(
        emp, "technical", "Pelatihan Literasi Digital ASN", b.day(0, 6, 13), 3, 20, source=LUWU
    )
    b.training(
        emp, "seminar", "Lokakarya Inovasi Pelayanan Publik", b.day(-1, 2, 24), 0, 6, source=LUWU
    )
    b.appraisal(emp, "BAIK", None)


def _sangat_rendah(b: _Builder) -> None:
    """10 + 17.5 + 5 + 2 = 34.5."""
    emp = b.add(
        _Employee(
            nip="198208082009011002",
            name="Joko Susanto",
            birth=date(1982, 8, 8),
            gender="M",
            tmt_cpns=date(2009, 1, 1),
            agency="1371",
            unit_code="1371.SETDA",
            employee_type="PNS",
            in_siasn=True,
            in_simpeg=False,
            engagement=0.1,
            culture="umum",
            anchor=True,
            title=("", "A.Md."),
            position={
                "position_type": "pelaksana",
                "position_name": "Penata Layanan Operasional",
                "tmt": date(2019, 1, 2).isoformat(),
            },
        )
    )
    b.profile(emp)
    b.position(emp)
    b.education(emp, "D3", "Politeknik Negeri Padang", date(2004, 9, 1), SIASN)
    b.training(emp, "technical", "Pelatihan Pelayanan Prima", b.day(0, 9, 2), 2, 16, source=SIASN)
    b.training(emp, "technical", "Bimbingan Teknis SIPD", b.day(-1, 9, 2), 2, 16, source=SIASN)
    b.training(
        emp,
        "seminar",
        "Webinar Pencegahan Korupsi di Lingkungan Pemda",
        b.day(0, 4, 30),
        0,
        3,
        source=SIASN,
    )
    b.appraisal(emp, None, 58)
    b.punishment(emp, "medium", b.day(-1, 3, 11), SIASN)


_ANCHORS: tuple[Callable[[_Builder], None], ...] = (
    _worked_example_struktural,
    _worked_example_pelaksana,
    _sangat_tinggi,
    _tinggi,
    _sangat_rendah,
)
