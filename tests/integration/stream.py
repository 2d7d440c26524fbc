"""A hand-written multi-source change stream with known results (measurement year 2025)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

A = "198703142010121001"  # contracts.md worked example 1: 73, Sedang
B = "199406302019032002"  # contracts.md worked example 2: 62.5, Rendah
C = "198001012005011003"  # profile only at first: no index
D = "199001012015032004"  # fungsional at exactly 90: Tinggi, then corrected to 95


@dataclass(frozen=True)
class Msg:
    key: bytes | None
    value: bytes
    source: str = ""
    id: str = ""


def event(
    source: str,
    id: str,
    kind: str,
    nip: str,
    data: dict[str, Any] | None,
    *,
    time: str = "2025-02-01T08:00:00+07:00",
    deleted: bool = False,
    sequence: int | None = None,
    key: str | None = None,
) -> Msg:
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": id,
        "source": source,
        "type": f"asn.{kind}.{'deleted' if deleted else 'upserted'}",
        "subject": nip,
        "time": time,
        "datacontenttype": "application/json",
    }
    if data is not None:
        body["data"] = data
    if sequence is not None:
        body["sequence"] = sequence
    return Msg((key or nip).encode(), json.dumps(body).encode(), source, id)


def profile(agency: str, name: str, birth: str, gender: str) -> dict[str, Any]:
    return {
        "name": name,
        "birth_date": birth,
        "gender": gender,
        "employee_type": "PNS",
        "status": "active",
        "agency_code": agency,
        "unit_code": f"{agency}-01",
    }


def training(
    rid: str, category: str, end: str, hours: int = 2, tier: str | None = None
) -> dict[str, Any]:
    data = {
        "record_id": rid,
        "category": category,
        "name": f"{category} {rid}",
        "start_date": end,
        "end_date": end,
        "hours": hours,
    }
    if tier:
        data["leadership_tier"] = tier
    return data


def education(rid: str, level: str, graduated: str) -> dict[str, Any]:
    return {
        "record_id": rid,
        "level": level,
        "institution": "Universitas X",
        "graduated_on": graduated,
    }


def phase_one() -> list[Msg]:
    a = [
        event("siasn", "s-a1", "profile", A, profile("3201", "Budi Santoso", "1987-03-14", "M")),
        event(
            "siasn",
            "s-a2",
            "position",
            A,
            {
                "position_type": "struktural",
                "position_name": "Kepala Bidang",
                "echelon": "III.a",
                "tmt": "2021-01-04",
            },
        ),
        event("siasn", "s-a3", "education", A, education("edu-a-s1", "S1", "2009-08-30")),
        event("simpeg:3201", "r-a1", "education", A, education("edu-a-s2", "S2", "2020-08-01")),
        event(
            "siasn",
            "s-a4",
            "training",
            A,
            training("tr-a-pim4", "leadership", "2015-06-01", tier="PIM_IV"),
        ),
        event(
            "simpeg:3201",
            "r-a2",
            "training",
            A,
            training("tr-a-pka", "leadership", "2024-05-01", tier="PKA"),
        ),
        event("siasn", "s-a5", "training", A, training("tr-a-t1", "technical", "2025-03-10", 10)),
        event(
            "simpeg:3201", "r-a3", "training", A, training("tr-a-t2", "technical", "2025-04-10", 6)
        ),
        event("siasn", "s-a6", "training", A, training("tr-a-sem", "seminar", "2024-11-20")),
        event(
            "siasn",
            "s-a7",
            "performance",
            A,
            {"record_id": "perf-a-2024", "year": 2024, "score": 92},
            time="2025-01-15T09:00:00Z",
        ),
        event(
            "ekinerja",
            "k-a1",
            "performance",
            A,
            {"record_id": "perf-a-2024", "year": 2024, "predicate": "BAIK"},
            time="2025-01-20T09:00:00Z",
        ),
        event(
            "simpeg:3201",
            "r-a4",
            "discipline",
            A,
            {
                "record_id": "dis-a-1",
                "level": "light",
                "decree_number": "800/12/2023",
                "start_date": "2023-02-01",
            },
        ),
    ]
    b = [
        # A regional education row deleted before it is created (later time, earlier arrival).
        event(
            "simpeg:7317",
            "r-b0",
            "education",
            B,
            {"record_id": "edu-b-d3"},
            deleted=True,
            time="2025-03-01T00:00:00Z",
        ),
        event(
            "simpeg:7317", "r-b1", "profile", B, profile("7317", "Siti Aminah", "1994-06-30", "F")
        ),
        event(
            "siasn",
            "s-b1",
            "position",
            B,
            {
                "position_type": "pelaksana",
                "position_name": "Pengadministrasi Umum",
                "tmt": "2019-03-01",
            },
        ),
        event("siasn", "s-b2", "education", B, education("edu-b-sma", "SMA", "2012-06-01")),
        event(
            "simpeg:7317",
            "r-b2",
            "education",
            B,
            education("edu-b-d3", "D3", "2016-06-01"),
            time="2025-01-01T00:00:00Z",
        ),
        event("siasn", "s-b3", "training", B, training("tr-b-t1", "technical", "2025-02-10", 8)),
        event(
            "simpeg:7317", "r-b3", "training", B, training("tr-b-t2", "technical", "2025-05-10", 12)
        ),
        event("siasn", "s-b4", "training", B, training("tr-b-sem", "seminar", "2023-09-01")),
        event(
            "ekinerja",
            "k-b1",
            "performance",
            B,
            {"record_id": "perf-b-2024", "year": 2024, "predicate": "SANGAT_BAIK"},
        ),
        event(
            "siasn",
            "s-b5",
            "discipline",
            B,
            {
                "record_id": "dis-b-1",
                "level": "heavy",
                "decree_number": "862/4/2020",
                "start_date": "2020-01-06",
            },
        ),
        # Another region's statement about B: valid, stored, but it does not count.
        event("simpeg:3201", "r-b9", "education", B, education("edu-b-s3", "S3", "2022-01-01")),
    ]
    c = [event("siasn", "s-c1", "profile", C, profile("3201", "Citra Lestari", "1980-01-01", "F"))]
    d = [
        event("siasn", "s-d1", "profile", D, profile("3201", "Dedi Kurniawan", "1990-01-01", "M")),
        event(
            "siasn",
            "s-d2",
            "position",
            D,
            {
                "position_type": "fungsional",
                "position_name": "Analis Kebijakan Ahli Muda",
                "tmt": "2022-01-01",
            },
        ),
        event("siasn", "s-d3", "education", D, education("edu-d-s2", "S2", "2018-01-01")),
        event("siasn", "s-d4", "training", D, training("tr-d-fn", "functional", "2022-05-01")),
        event("siasn", "s-d5", "training", D, training("tr-d-t1", "technical", "2025-12-31", 20)),
        event("siasn", "s-d6", "training", D, training("tr-d-sem", "seminar", "2024-01-01")),
        event(
            "siasn",
            "s-d7",
            "performance",
            D,
            {"record_id": "perf-d-2024", "year": 2024, "score": 80},
            time="2025-01-10T00:00:00Z",
            sequence=1,
        ),
    ]
    duplicate = event(
        "ekinerja",
        "k-a1",
        "performance",
        A,
        {"record_id": "perf-a-2024", "year": 2024, "predicate": "BAIK"},
        time="2025-01-20T09:00:00Z",
    )
    return [*a, *b, *c, *d, duplicate, duplicate, *malformed()]


def malformed() -> list[Msg]:
    good = json.loads(event("siasn", "x", "profile", C, {}).value)
    return [
        Msg(C.encode(), b"{not json"),
        Msg(C.encode(), json.dumps({**good, "id": "m2", "type": "asn.salary.upserted"}).encode()),
        Msg(
            b"198713142010121001",
            json.dumps({**good, "id": "m3", "subject": "198713142010121001"}).encode(),
        ),
        Msg(
            C.encode(),
            json.dumps(
                {
                    **good,
                    "id": "m4",
                    "type": "asn.position.upserted",
                    "data": {"position_type": "pelaksana"},
                }
            ).encode(),
        ),
        Msg(
            A.encode(),
            event(
                "siasn",
                "m5",
                "discipline",
                C,
                {
                    "record_id": "x",
                    "level": "light",
                    "decree_number": "1",
                    "start_date": "2024-01-01",
                },
            ).value,
        ),
        event("ekinerja", "m6", "profile", C, profile("3201", "Citra", "1980-01-01", "F")),
    ]


EXPECTED_REASONS = [
    "not_json",
    "unknown_type",
    "bad_nip",
    "invalid_event",
    "key_mismatch",
    "not_authorised",
]


def phase_two() -> list[Msg]:
    return [
        # A loses the position: the index is withdrawn.
        event("siasn", "s-a9", "position", A, None, deleted=True, time="2025-06-01T00:00:00Z"),
        # C gets a position: first index.
        event(
            "siasn",
            "s-c2",
            "position",
            C,
            {"position_type": "pelaksana", "position_name": "Pengelola Data", "tmt": "2010-01-01"},
        ),
        # D's appraisal corrected by the same source: a higher sequence at the same time.
        event(
            "siasn",
            "s-d8",
            "performance",
            D,
            {"record_id": "perf-d-2024", "year": 2024, "score": 95},
            time="2025-01-10T00:00:00Z",
            sequence=2,
        ),
        # B: a name change only; the index does not change, nothing is published.
        event(
            "simpeg:7317",
            "r-b5",
            "profile",
            B,
            profile("7317", "Siti Aminah S.", "1994-06-30", "F"),
            time="2025-06-01T00:00:00Z",
        ),
    ]


def causes(msgs: list[Msg], nip: str) -> list[dict[str, str]]:
    """The (source, id) of the valid events about a NIP, first arrival order, once each."""
    seen: list[dict[str, str]] = []
    for m in msgs:
        body = json.loads(m.value) if m.value.startswith(b'{"') else None
        if body and body["subject"] == nip and m.key == nip.encode() and m.source:
            cause = {"source": m.source, "id": m.id}
            if cause not in seen and not m.id.startswith("m"):
                seen.append(cause)
    return seen
