"""Benchmark peer: the worker's job as a Quix Streams user would write it.

`run_quix()` (run by `ipasn-worker bench` when the `bench` extra is installed) runs a
`quixstreams.Application` on the same input topic the worker reads: each message is decoded
with the worker's own `consumers.changes.decode`, the statements of each employee are kept in
Quix's RocksDB state under the message key (the NIP; `decode` refuses a message whose key is
not its subject), an exact duplicate (same source and event id) is skipped, and every other
statement reconciles and scores its employee again with the worker's pure `resolve()` and
`score()`. When the index changed (score, band or dimensions; the worker's own test) it
produces an `asn.ipasn.recalculated` event built with the worker's `schemas.recalculated`
models, keyed by NIP. No SQL database. The per-event work is the worker's: the same decode,
resolve, score and event model, so the comparison is of what surrounds them.

What it does not do that the worker does, so a faster rate here is not a like-for-like win:

* No database: no statements, reconciled records, conflicts or index revisions anyone can
  query; the statements live only in RocksDB (and in Quix's changelog topic, its default) and
  the last index only as the employee's state.
* No outbox: the recalculated event is produced by Quix's producer in its default
  at-least-once mode. A crash between a checkpoint's state, production and offset commit can
  publish a revision twice or with a revision number the state then forgets; the worker
  commits the revision and its event in one transaction and publishes from the outbox.
* No dead-letter topic: a refused message (`Rejection`) is counted and dropped.
* No conflicts recorded for data stewards, no metrics, no retry or poison-message handling
  beyond Quix's defaults, and no `rules_file`/settings: the packaged rule set.
* Per event, not per batch: the worker resolves and scores each touched employee once per
  polled batch (one revision for several of their statements in the same batch); this resolves
  and scores on every statement, so it can publish more, intermediate, revisions. `caused_by`
  names the one statement.
* The run time is from the first message processed to the last one processed; the final
  checkpoint Quix makes on stopping (producer flush, state and offset commit) is not in it.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from quixstreams import Application, State

from consumers.changes import decode
from schemas.recalculated import (
    CausedBy,
    DimensionScores,
    Recalculation,
    recalculated_event,
)
from schemas.rules import load_rules
from worker.domain.index import score
from worker.domain.model import Band, IndexResult, Kind, Statement
from worker.domain.reconcile import resolve

logger = logging.getLogger(__name__)
STATEMENTS = "statements"  # state key: the employee's statements, as JSON-able dicts
INDEX = "index"  # state key: the last index published (revision, score, band, dimensions)


def statement_to_dict(s: Statement) -> dict[str, Any]:
    return {
        "nip": s.nip,
        "source": s.source,
        "kind": s.kind,
        "record_id": s.record_id,
        "event_id": s.event_id,
        "time": s.time.isoformat(),
        "sequence": s.sequence,
        "values": dict(s.values) if s.values is not None else None,
    }


def statement_from_dict(d: dict[str, Any]) -> Statement:
    return Statement(
        nip=d["nip"],
        source=d["source"],
        kind=cast(Kind, d["kind"]),
        record_id=d["record_id"],
        event_id=d["event_id"],
        time=datetime.fromisoformat(d["time"]),
        sequence=d["sequence"],
        values=d["values"],
    )


def _decimal(raw: str | None) -> Decimal | None:
    return None if raw is None else Decimal(raw)


def _changed(before: dict[str, Any] | None, after: IndexResult) -> bool:
    """worker.pipeline.service._changed, on the index kept in state."""
    if before is None or before["score"] is None:
        return after.has_index
    if not after.has_index:
        return True
    dims = after.dimensions.as_dict() if after.dimensions else None
    before_dims = before["dimensions"]
    if before_dims is not None:
        before_dims = {k: Decimal(v) for k, v in before_dims.items()}
    return (_decimal(before["score"]), before["band"], before_dims) != (
        after.score,
        after.band,
        dims,
    )


def _event(result: IndexResult, before: dict[str, Any] | None, cause: Statement) -> bytes:
    """The worker's asn.ipasn.recalculated payload (IndexService._revision)."""
    revision = int(before["revision"]) + 1 if before else 1
    dims = result.dimensions.as_dict() if result.dimensions else None
    data = Recalculation(
        nip=result.nip,
        measurement_year=result.measurement_year,
        rule_version=result.rule_version,
        revision=revision,
        score=result.score,
        band=result.band,
        dimensions=DimensionScores(**dims) if dims else None,
        previous_score=_decimal(before["score"]) if before else None,
        previous_band=cast(Band | None, before["band"] if before else None),
        agency_code=result.agency_code,
        caused_by=[CausedBy(source=cause.source, id=cause.event_id)],
    )
    return recalculated_event(data, datetime.now(UTC)).model_dump_json().encode()


def _index_state(result: IndexResult, before: dict[str, Any] | None) -> dict[str, Any]:
    dims = result.dimensions.as_dict() if result.dimensions else None
    return {
        "revision": int(before["revision"]) + 1 if before else 1,
        "score": None if result.score is None else str(result.score),
        "band": result.band,
        "dimensions": None if dims is None else {k: str(v) for k, v in dims.items()},
    }


def run_quix(
    bootstrap: str,
    topic: str,
    total: int,
    output_topic: str,
    state_dir: str,
    measurement_year: int = 2025,
) -> tuple[int, float | None, float | None]:
    """Process `total` messages of `topic`; (messages processed, time.monotonic() of the first
    message received and of the last one processed). Recalculated events go to
    `output_topic` (created if missing)."""
    rules = load_rules(None)
    seen = 0
    rejected = 0
    started: float | None = None
    finished: float | None = None

    def processed(_topic: str, _partition: int, _offset: int) -> None:
        nonlocal seen, finished
        seen += 1
        if seen >= total:
            finished = time.monotonic()
            app.stop()

    app = Application(
        broker_address=bootstrap,
        consumer_group=f"quix-bench-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        state_dir=state_dir,
        loglevel="WARNING",
        on_message_processed=processed,
    )
    changes = app.topic(topic, value_deserializer="bytes", key_deserializer="bytes")
    recalculated = app.topic(output_topic, value_serializer="bytes", key_serializer="bytes")

    def decoded(
        value: bytes | None, key: bytes | None, _timestamp: int, _headers: object
    ) -> Statement | None:
        nonlocal started, rejected
        if started is None:
            started = time.monotonic()
        result = decode(key, value, rules)
        if isinstance(result, Statement):
            return result
        rejected += 1
        return None

    def recalculate(statement: Statement, state: State[str, Any]) -> bytes | None:
        statements: list[dict[str, Any]] = state.get(STATEMENTS, [])
        if any(
            d["source"] == statement.source and d["event_id"] == statement.event_id
            for d in statements
        ):
            return None  # redelivered or re-sent: nothing new
        statements.append(statement_to_dict(statement))
        state.set(STATEMENTS, statements)
        every = [statement_from_dict(d) for d in statements]
        result = score(resolve(statement.nip, every, rules), measurement_year, rules)
        before: dict[str, Any] | None = state.get(INDEX)
        if not _changed(before, result):
            return None
        state.set(INDEX, _index_state(result, before))
        return _event(result, before, statement)

    sdf = app.dataframe(changes)
    sdf = sdf.apply(decoded, metadata=True).filter(lambda v: v is not None)
    sdf = sdf.apply(recalculate, stateful=True).filter(lambda v: v is not None)
    sdf.to_topic(recalculated)

    app.run()
    logger.info("quix: %d messages, %d refused (dropped)", seen, rejected)
    return seen, started, finished
