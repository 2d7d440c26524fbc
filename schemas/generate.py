"""Write the JSON Schema files of the wire contracts: `python -m schemas.generate`.

Upstream teams validate what they send against schemas/json/change-event.schema.json;
downstream teams read schemas/json/ipasn-recalculated.schema.json. A test keeps the committed
files equal to what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas.events import change_event
from schemas.recalculated import IndexRecalculated

OUT = Path(__file__).parent / "json"
BASE = "https://ipasn-worker.invalid/schemas/"


def documents() -> dict[str, dict[str, Any]]:
    inbound = change_event.json_schema(mode="validation")
    inbound["title"] = "Personnel change event (CloudEvents 1.0, structured JSON)"
    outbound = IndexRecalculated.model_json_schema(mode="serialization")
    outbound["title"] = "asn.ipasn.recalculated (CloudEvents 1.0, structured JSON)"
    found = {"change-event.schema.json": inbound, "ipasn-recalculated.schema.json": outbound}
    for name, doc in found.items():
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = BASE + name
    return found


def rendered() -> dict[str, str]:
    return {
        name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in documents().items()
    }


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
