"""Valid change events made unusual, each with the Statement decode() must make of it."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.draft import ENVELOPE, Draft
from tests.fuzz.extras import add_unknown
from tests.fuzz.records import VALUES
from tests.fuzz.scalars import AGENCY_CODES, EVENT_TIMES, NIPS, OPAQUE, pick
from worker.domain.model import KINDS, Kind, Statement

OPS = ("upserted", "deleted")
SEQUENCES = st.none() | st.integers(0, 2**63 - 1)
REGIONAL = AGENCY_CODES.map(lambda code: f"simpeg:{code}")
SOURCES = {
    kind: st.sampled_from(("siasn", "ekinerja") if kind == "performance" else ("siasn",)) | REGIONAL
    for kind in KINDS
}


@st.composite
def drafts(
    draw: st.DrawFn,
    kinds: tuple[Kind, ...] = KINDS,
    ops: tuple[str, ...] = OPS,
    sources: st.SearchStrategy[str] | None = None,
) -> Draft:
    """A valid event of one of the kinds, operations and sources (by default any allowed)."""
    kind, op = pick(draw, kinds), pick(draw, ops)
    source = draw(SOURCES[kind] if sources is None else sources)
    nip, event_id, (time_text, time) = draw(NIPS), draw(OPAQUE), draw(EVENT_TIMES)
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": f"asn.{kind}.{op}",
        "subject": nip,
        "time": time_text,
    }
    sequence = draw(SEQUENCES)
    if sequence is not None or draw(st.booleans()):
        event["sequence"] = sequence  # null is the same as absent
    statement = Statement(nip, source, kind, None, event_id, time, sequence, None)
    draft = Draft(event, nip.encode(), statement, [(name,) for name in ENVELOPE[:6]])
    if op == "upserted":
        _upserted(draw, draft)
    else:
        _deleted(draw, draft)
    add_unknown(draw, draft)
    return draft


DRAFTS = drafts()


def _upserted(draw: st.DrawFn, draft: Draft) -> None:
    values: dict[str, Any] = VALUES[draft.kind](draw, draft)
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is not None or draw(st.booleans()):  # an optional field: null or absent
            data[name] = value
    removable = _removable(draft.kind, values)
    draft.required += [
        ("data", name)
        for name, value in values.items()
        if value is not None and name not in removable
    ]
    # Numbers go in as written ("1E3", "2.50"); values keep the JSON number they stand for
    # (1000, 2.5), as decode() keeps it.
    for name in ("hours", "score"):
        if isinstance(values.get(name), tuple):
            written, exact = values[name]
            number = Decimal(exact)
            values[name] = int(number) if number == number.to_integral_value() else float(number)
            data[name] = draft.raw_json(written.encode())
    draft.event["data"] = data
    draft.required.append(("data",))
    record_id = values.pop("record_id", None)
    draft.statement = replace(draft.statement, record_id=record_id, values=values)


def _removable(kind: Kind, values: dict[str, Any]) -> set[str]:
    """The fields given that the event does without."""
    if kind == "discipline":
        return {"end_date"}
    if kind == "performance" and None not in (values["predicate"], values["score"]):
        return {"predicate", "score"}  # either one, not both
    return set()


def _deleted(draw: st.DrawFn, draft: Draft) -> None:
    if draft.kind in ("profile", "position"):
        data = pick(draw, ("absent", "null", "{}"))  # a delete needs no data
        if data != "absent":
            draft.event["data"] = json.loads(data)
        return
    record_id = draw(OPAQUE)
    draft.event["data"] = {"record_id": record_id}
    draft.required += [("data",), ("data", "record_id")]
    draft.statement = replace(draft.statement, record_id=record_id)
