from __future__ import annotations

import json
from pathlib import Path

from schemas.generate import OUT, rendered


def test_committed_json_schemas_match_the_models() -> None:
    for name, text in rendered().items():
        committed = (OUT / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run python -m schemas.generate"


def test_the_change_event_schema_names_every_event_type() -> None:
    doc = json.loads((Path(OUT) / "change-event.schema.json").read_text(encoding="utf-8"))
    mapping = doc["discriminator"]["mapping"]
    kinds = ("profile", "position", "education", "training", "performance", "discipline")
    assert set(mapping) == {f"asn.{k}.{op}" for k in kinds for op in ("upserted", "deleted")}


def test_the_steward_event_schema_names_every_kind_upserted_deleted_and_released() -> None:
    doc = json.loads((Path(OUT) / "steward-event.schema.json").read_text(encoding="utf-8"))
    mapping = doc["discriminator"]["mapping"]
    kinds = ("profile", "position", "education", "training", "performance", "discipline")
    ops = ("upserted", "deleted", "released")
    assert set(mapping) == {f"asn.{k}.{op}" for k in kinds for op in ops}
    for name in mapping.values():
        event = doc["$defs"][name.removeprefix("#/$defs/")]
        assert event["properties"]["source"]["const"] == "steward"
        assert {"actor", "data"} <= set(event["required"])
        data = doc["$defs"][event["properties"]["data"]["$ref"].removeprefix("#/$defs/")]
        assert "reason" in data["required"]
