"""Write the JSON Schema files of the wire contracts and the AsyncAPI document describing the
topics (schemas/asyncapi.yaml): `python -m schemas.generate`.

Upstream teams validate what they send against schemas/json/change-event.schema.json (a data
steward's overrides: schemas/json/steward-event.schema.json);
downstream teams read schemas/json/ipasn-recalculated.schema.json and
schemas/json/personnel-reconciled.schema.json and schemas/json/agency-recalculated.schema.json.
The AsyncAPI document embeds the same JSON Schemas (schemas/asyncapi.py). A test keeps the
committed files equal to what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas import asyncapi
from schemas.agency import AgencyRecalculated
from schemas.events import change_event
from schemas.recalculated import IndexRecalculated
from schemas.reconciled import PersonnelReconciled
from schemas.steward import steward_event

OUT = Path(__file__).parent / "json"
ASYNCAPI = Path(__file__).parent / "asyncapi.yaml"
BASE = "https://ipasn-worker.invalid/schemas/"


def documents() -> dict[str, dict[str, Any]]:
    inbound = change_event.json_schema(mode="validation")
    inbound["title"] = "Personnel change event (CloudEvents 1.0, structured JSON)"
    override = steward_event.json_schema(mode="validation")
    override["title"] = "Data steward's override, a signed change event from source steward"
    outbound = IndexRecalculated.model_json_schema(mode="serialization")
    outbound["title"] = "asn.ipasn.recalculated (CloudEvents 1.0, structured JSON)"
    snapshot = PersonnelReconciled.model_json_schema(mode="serialization")
    snapshot["title"] = "asn.personnel.reconciled (CloudEvents 1.0, structured JSON)"
    agency = AgencyRecalculated.model_json_schema(mode="serialization", by_alias=True)
    agency["title"] = "asn.ipasn.agency.recalculated (CloudEvents 1.0, structured JSON)"
    found = {
        "change-event.schema.json": inbound,
        "steward-event.schema.json": override,
        "ipasn-recalculated.schema.json": outbound,
        "personnel-reconciled.schema.json": snapshot,
        "agency-recalculated.schema.json": agency,
    }
    for name, doc in found.items():
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = BASE + name
    return found


def rendered() -> dict[str, str]:
    return {
        name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in documents().items()
    }


def rendered_asyncapi() -> str:
    return asyncapi.rendered(documents())


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    ASYNCAPI.write_text(rendered_asyncapi(), encoding="utf-8")
    print(f"wrote {ASYNCAPI}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
