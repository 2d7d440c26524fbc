"""One or two examples of each message of schemas/asyncapi.yaml, from the worked example of
contracts §3 (NIP 198703142010121001, agency 3201, score 73, Sedang).

Inbound examples pass the worker's own models when generated (a wrong one stops the
generation); outbound ones are made by the models. tests/unit/test_asyncapi.py checks each
against its message's payload and headers schemas (the AsyncAPI parser does not).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from pydantic import TypeAdapter

from schemas import dead_letter
from schemas.agency import AgencyFigures, AgencyRecalculated, BandCounts
from schemas.events import change_event
from schemas.recalculated import CausedBy, DimensionScores, IndexRecalculated, Recalculation
from schemas.reconciled import (
    OpenConflict,
    PersonnelReconciled,
    Records,
    Side,
    Snapshot,
    SnapshotRecord,
)
from schemas.signature import SIGNATURE_HEADER, sign
from schemas.steward import steward_event

NIP: Final = "198703142010121001"
AGENCY: Final = "3201"
SENT: Final = datetime(2025, 1, 20, 9, 0, 5, tzinfo=UTC)
STATED: Final = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)  # the reconciled records' event time
STEWARD_SECRET: Final = b"example-steward-secret"
CONTENT_TYPE: Final = {"content-type": "application/cloudevents+json"}
PROFILE: Final = {
    "name": "Andi Makassau",
    "birth_date": "1987-03-14",
    "gender": "M",
    "employee_type": "PNS",
    "status": "active",
    "agency_code": AGENCY,
    "unit_code": "3201-BKPSDM",
}


def _checked(adapter: TypeAdapter[Any], event: dict[str, Any]) -> dict[str, Any]:
    adapter.validate_json(json.dumps(event), strict=True)
    return event


def _change(event_id: str, source: str, kind: str, time: str, data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": f"asn.{kind}.upserted",
        "subject": NIP,
        "time": time,
        "data": data,
    }


def change_events() -> list[dict[str, Any]]:
    performance = _change(
        "k-a1",
        "ekinerja",
        "performance",
        "2025-01-20T09:00:00Z",
        {"record_id": "perf-a-2024", "year": 2024, "predicate": "BAIK"},
    )
    education = _change(
        "simpeg:3201-pend-17",
        "simpeg:3201",
        "education",
        "2025-01-20T16:00:00+07:00",
        {
            "record_id": "E-2",
            "level": "S2",
            "institution": "Universitas Hasanuddin",
            "graduated_on": "2020-09-01",
        },
    )
    education["sequence"] = 17
    return [
        {
            "name": "performance",
            "summary": "e-Kinerja's appraisal of 2024 (unsigned: ekinerja has no secret here)",
            "payload": _checked(change_event, performance),
        },
        {
            "name": "education",
            "summary": "A regional system's education record, with a sequence",
            "payload": _checked(change_event, education),
        },
    ]


def steward_events() -> list[dict[str, Any]]:
    event = _change(
        "steward-2025-0001",
        "steward",
        "education",
        "2025-01-21T10:00:00+08:00",
        {
            "record_id": "E-1",
            "level": "S1",
            "institution": "Universitas Terbuka",
            "graduated_on": "2009-08-30",
            "reason": "diploma checked against the original",
        },
    )
    event["actor"] = "ani.verifikator@bkn"
    value = json.dumps(_checked(steward_event, event), separators=(",", ":"))
    return [
        {
            "name": "override",
            "summary": (
                "An override of an education record; signed over the value as compact JSON in"
                f" this order, with the secret {STEWARD_SECRET.decode()}"
            ),
            "headers": {SIGNATURE_HEADER: sign(STEWARD_SECRET, value.encode())},
            "payload": event,
        }
    ]


def _caused_by() -> list[CausedBy]:
    return [CausedBy(source="ekinerja", id="k-a1"), CausedBy(source="simpeg:3201", id="s-17")]


def index_recalculated() -> list[dict[str, Any]]:
    points = {"qualification": 20, "competency": 25, "performance": 25, "discipline": 3}
    data = Recalculation(
        nip=NIP,
        measurement_year=2025,
        rule_version="bkn-8-2019",
        revision=1,
        score=Decimal(73),
        band="Sedang",
        dimensions=DimensionScores(**{k: Decimal(v) for k, v in points.items()}),
        previous_score=None,
        previous_band=None,
        agency_code=AGENCY,
        caused_by=_caused_by(),
    )
    event = IndexRecalculated(id=f"{NIP}:2025:bkn-8-2019:1", subject=NIP, time=SENT, data=data)
    return [
        {
            "name": "first",
            "summary": "The first index of 2025 under bkn-8-2019",
            "headers": CONTENT_TYPE,
            "payload": event.model_dump(mode="json"),
        }
    ]


def _record(record_id: str | None, values: dict[str, Any], source: str, event_id: str) -> Any:
    return SnapshotRecord(
        record_id=record_id, values=values, source=source, event_id=event_id, time=STATED
    )


POSITION: Final = {
    "position_type": "struktural",
    "position_name": "Kepala Bidang Pengembangan Kompetensi",
    "echelon": "III",
    "tmt": "2021-04-01",
}


def personnel_reconciled() -> list[dict[str, Any]]:
    siasn_s1 = {"record_id": "E-1", "level": "S1", "institution": "UNIVERSITAS TERBUKA"}
    regional_s1 = {**siasn_s1, "level": "D4"}
    records = Records(
        profile=_record(None, dict(PROFILE), "siasn", "s-1"),
        position=_record(None, POSITION, "siasn", "s-3"),
        education=[_record("E-1", siasn_s1, "siasn", "s-2")],
        training=[],
        performance=[],
        discipline=[],
    )
    conflict = OpenConflict(
        kind="education",
        record_id="E-1",
        winner=Side(source="siasn", event_id="s-2", values=siasn_s1),
        loser=Side(source="simpeg:3201", event_id="s-17", values=regional_s1),
    )
    data = Snapshot(
        nip=NIP,
        version=3,
        agency_code=AGENCY,
        records=records,
        conflicts=[conflict],
        caused_by=_caused_by(),
    )
    event = PersonnelReconciled(id=f"{NIP}:reconciled:3", subject=NIP, time=SENT, data=data)
    return [
        {
            "name": "snapshot",
            "summary": "Version 3: profile, position, one education record and its open conflict",
            "headers": CONTENT_TYPE,
            "payload": event.model_dump(mode="json"),
        }
    ]


def agency_recalculated() -> list[dict[str, Any]]:
    bands = {"Sangat Tinggi": 3, "Tinggi": 11, "Sedang": 22, "Rendah": 21, "Sangat Rendah": 42}
    data = AgencyFigures(
        agency_code=AGENCY,
        measurement_year=2025,
        rule_version="bkn-8-2019",
        version=7,
        employees=99,
        mean_score=Decimal("64.67"),
        bands=BandCounts(**bands),
    )
    event = AgencyRecalculated(
        id=f"{AGENCY}:2025:bkn-8-2019:7", subject=AGENCY, time=SENT, data=data
    )
    return [
        {
            "name": "figures",
            "summary": "Agency 3201's figures for 2025 under bkn-8-2019, version 7",
            "headers": CONTENT_TYPE,
            "payload": event.model_dump(mode="json", by_alias=True),
        }
    ]


def dead_letters() -> list[dict[str, Any]]:
    refused = _change("s-9", "siasn", "profile", "2025-01-20T09:00:00Z", dict(PROFILE))
    refused["subject"] = "198703142010123001"
    return [
        {
            "name": "bad_nip",
            "summary": "A change event whose subject has gender digit 3",
            "headers": {
                dead_letter.REASON: "bad_nip",
                dead_letter.DETAIL: "subject: a NIP's gender digit (15th) is 1 or 2",
                dead_letter.TOPIC: "asn.personnel.changes",
                dead_letter.PARTITION: "4",
                dead_letter.OFFSET: "1207",
            },
            "payload": json.dumps(refused, separators=(",", ":")),
        }
    ]


def examples() -> dict[str, list[dict[str, Any]]]:
    """The examples of each message, by message name."""
    return {
        "changeEvent": change_events(),
        "stewardEvent": steward_events(),
        "indexRecalculated": index_recalculated(),
        "personnelReconciled": personnel_reconciled(),
        "agencyRecalculated": agency_recalculated(),
        "deadLetter": dead_letters(),
    }
