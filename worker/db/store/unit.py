"""SqlStore: statements, reconciled records, indexes, revisions, conflicts and the outbox."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from worker.db.bulk import copy_rows, insert_new, track_staging, upsert
from worker.db.errors import translated
from worker.db.tables import (
    BAND_COLUMNS,
    PointSums,
    agency_aggregates,
    conflicts,
    employees,
    indexes,
    outbox,
    reconciled,
    records,
    revisions,
    statements,
)
from worker.domain.agencies import BANDS, AgencyKey, Figures
from worker.domain.model import (
    DIMENSIONS,
    KINDS,
    Conflict,
    Dimensions,
    IndexResult,
    IndexRevision,
    Kind,
    Record,
    Statement,
)
from worker.pipeline.ports import (
    NewRevision,
    NewSnapshot,
    Origin,
    OutboxEvent,
    OutboxRow,
    RecordChanges,
)

T = TypeVar("T")

# Keep IN lists and multi-row inserts well below every backend's parameter limit.
CHUNK = 500
STATEMENT_COLUMNS = [c.name for c in statements.columns if c.name != "id"]
RECORD_COLUMNS = [c.name for c in records.columns]
INDEX_COLUMNS = [c.name for c in indexes.columns]
INDEX_KEY = ["nip", "measurement_year", "rule_version"]
CONFLICT_COLUMNS = [c.name for c in conflicts.columns if c.name != "id"]
CONFLICT_KEY = [
    "nip", "kind", "record_id", "winner_source", "winner_event_id", "loser_source", "loser_event_id"
]  # fmt: skip
# PostgreSQL takes a whole list of NIPs as one array parameter: one SQL text, planned once.
_NIPS = bindparam("nips", type_=ARRAY(String))
_IDS = bindparam("ids", type_=ARRAY(BigInteger))
# Exact records, as three arrays of the same length (nip, kind, record_id).
_DELETE_RECORDS = (
    "DELETE FROM records WHERE (nip, kind, record_id) IN "
    "(SELECT * FROM unnest(%(nips)s::text[], %(kinds)s::text[], %(ids)s::text[]))"
)

# Each transaction that adds statements first locks its employees' rows (inserting those not
# seen before; an existing row is locked, not rewritten). A second transaction about one of them
# then waits until the first commits and reads its statements, instead of computing the
# employee's state without them: a worker that lost its partition mid-batch, an employee's events
# on two input topics or in two partitions (a producer partitioning otherwise), two workers at
# once. Row locks, not advisory ones: PostgreSQL keeps advisory locks in a shared table of about
# 64 entries per allowed connection, which a few workers with batches of thousands of NIPs fill.
# In NIP order, so that two transactions never wait for each other.
_LOCK_EMPLOYEES = (
    f"INSERT INTO {employees.name} (nip) SELECT unnest(%(nips)s::text[]) "
    "ON CONFLICT (nip) DO UPDATE SET nip = EXCLUDED.nip WHERE false"
)
# SQLite has one writer at a time, and a transaction that read before it writes fails should
# another commit in between: this write of nothing makes the transaction the writer first.
_WRITE_LOCK_SQLITE = f"UPDATE {employees.name} SET nip = nip WHERE 0"  # noqa: S608 - constants
# How long a transaction waits for another's lock (an employee's row, a statement being stored)
# before it fails as transient and is retried: bounds a batch's time behind a worker that stopped
# in the middle of its transaction. And how long such a transaction may sit idle before
# PostgreSQL ends it, releasing its locks: a worker frozen mid-transaction (its host suspended,
# say) holds up the others' work on its employees a minute, not until its TCP connection dies.
LOCK_TIMEOUT_S = 10
IDLE_IN_TRANSACTION_TIMEOUT_S = 60
_TIMEOUTS = (
    f"SELECT set_config('lock_timeout', '{LOCK_TIMEOUT_S}s', true), "
    f"set_config('idle_in_transaction_session_timeout', '{IDLE_IN_TRANSACTION_TIMEOUT_S}s', true)"
)


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # The dialect's own insert, for ON CONFLICT (both SQLite and PostgreSQL have it).
    return dialect.insert(table)


def statement_of(row: Any) -> Statement:
    return Statement(
        nip=row.nip,
        source=row.source,
        kind=cast(Kind, row.kind),
        record_id=row.record_id,
        event_id=row.event_id,
        time=row.time,
        sequence=row.sequence,
        values=None if row.deleted else row.values,
        actor=row.actor,
        reason=row.reason,
        released=row.released,
    )


class SqlUnit:
    """One database transaction's worth of work; the service drives it."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.postgres = conn.dialect.name == "postgresql"

    def add_statements(self, incoming: Sequence[tuple[Statement, Origin]]) -> list[Statement]:
        """Store statements not seen before; return those, in the order given.

        On PostgreSQL the employees' rows are locked first (see _LOCK_EMPLOYEES). SQLite takes
        one writer at a time, and this is each transaction's first write.
        """
        if self.postgres:
            self.lock_employees(s.nip for s, _ in incoming)
        unique: dict[tuple[str, str], tuple[Statement, Origin]] = {}
        for s, origin in incoming:
            unique.setdefault((s.source, s.event_id), (s, origin))
        stored: set[tuple[str, str]] = set()
        rows = [self._statement_row(s, o) for s, o in unique.values()]
        if self.postgres and rows:
            keys = insert_new(
                self.conn, statements, STATEMENT_COLUMNS, rows, ("source", "event_id")
            )
            stored.update(cast(tuple[str, str], k) for k in keys)
            return [s for key, (s, _) in unique.items() if key in stored]
        for chunk in _chunks(rows):
            stmt = (
                _insert(self.conn, statements)
                .on_conflict_do_nothing(index_elements=["source", "event_id"])
                .returning(statements.c.source, statements.c.event_id)
            )
            stored.update((r.source, r.event_id) for r in self.conn.execute(stmt, list(chunk)))
        return [s for key, (s, _) in unique.items() if key in stored]

    def lock_employees(self, nips: Iterable[str]) -> None:
        """PostgreSQL: the employees' rows locked (see _LOCK_EMPLOYEES). SQLite: its one write
        lock taken now, before anything is read (by a write that changes nothing)."""
        every = sorted(set(nips))
        if not every:
            return
        if not self.postgres:
            self.conn.exec_driver_sql(_WRITE_LOCK_SQLITE)
            return
        self.conn.exec_driver_sql(_TIMEOUTS)
        self.conn.exec_driver_sql(_LOCK_EMPLOYEES, {"nips": every})

    def _statement_row(self, s: Statement, origin: Origin) -> dict[str, Any]:
        return {
            "nip": s.nip,
            "source": s.source,
            "event_id": s.event_id,
            "kind": s.kind,
            "record_id": s.record_id,
            "time": s.time,
            "sequence": s.sequence,
            "deleted": s.values is None,
            "values": None if s.values is None else dict(s.values),
            "topic": origin.topic,
            "partition": origin.partition,
            "offset": origin.offset,
            "received_at": self.now,
            "actor": s.actor,
            "reason": s.reason,
            "released": s.released,
        }

    def _nip_lists(
        self, column: ColumnElement[str], nips: Iterable[str]
    ) -> Iterator[tuple[ColumnElement[bool], dict[str, Any]]]:
        """`nip IN (...)` conditions over the NIPs, with their parameters: on PostgreSQL one
        array for all, elsewhere lists short enough for every backend's parameter limit."""
        every = sorted(set(nips))
        if self.postgres:
            yield column == any_(_NIPS), {"nips": every}
            return
        for chunk in _chunks(every):
            yield column.in_(chunk), {}

    def statements_of(self, nips: Iterable[str]) -> dict[str, list[Statement]]:
        found: dict[str, list[Statement]] = defaultdict(list)
        for condition, params in self._nip_lists(statements.c.nip, nips):
            for row in self.conn.execute(select(statements).where(condition), params):
                found[row.nip].append(statement_of(row))
        return found

    def statement_counts(self, nips: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for condition, params in self._nip_lists(statements.c.nip, nips):
            query = select(statements.c.nip, func.count()).where(condition)
            rows = self.conn.execute(query.group_by(statements.c.nip), params)
            found.update((nip, int(n)) for nip, n in rows)
        return found

    def current_indexes(
        self, nips: Iterable[str], year: int, rule_version: str
    ) -> dict[str, IndexRevision]:
        found: dict[str, IndexRevision] = {}
        for condition, params in self._nip_lists(indexes.c.nip, nips):
            query = select(indexes).where(
                condition,
                indexes.c.measurement_year == year,
                indexes.c.rule_version == rule_version,
            )
            found.update((row.nip, _index_of(row)) for row in self.conn.execute(query, params))
        return found

    def write_records(self, changes: RecordChanges) -> None:
        """Employees rewritten whole: all their records deleted, then inserted; of the others
        the changed and gone records deleted, then the changed ones inserted."""
        rewritten = [r.nip for r in changes.rewritten]
        for condition, params in self._nip_lists(records.c.nip, rewritten):
            self.conn.execute(delete(records).where(condition), params)
        replaced = changes.changed + changes.gone
        if replaced and self.postgres:
            arrays = {
                "nips": [nip for nip, _ in replaced],
                "kinds": [r.kind for _, r in replaced],
                "ids": [r.record_id or "" for _, r in replaced],
            }
            self.conn.exec_driver_sql(_DELETE_RECORDS, arrays)
        elif replaced:
            exact = delete(records).where(
                records.c.nip == bindparam("n"),
                records.c.kind == bindparam("k"),
                records.c.record_id == bindparam("r"),
            )
            keys = [{"n": nip, "k": r.kind, "r": r.record_id or ""} for nip, r in replaced]
            self.conn.execute(exact, keys)
        rows = [
            _record_row(res.nip, r)
            for res in changes.rewritten
            for kind in KINDS
            for r in res.records(kind)
        ]
        rows += [_record_row(nip, r) for nip, r in changes.changed]
        if self.postgres:
            copy_rows(self.conn, records, RECORD_COLUMNS, rows)
            return
        for part in _chunks(rows):
            self.conn.execute(records.insert(), list(part))

    def add_conflicts(self, found: Sequence[Conflict]) -> dict[str, int]:
        """Store the conflicts not stored yet and open again those closed; return how many
        were stored, by record kind."""
        rows = [
            {
                "nip": c.nip,
                "kind": c.kind,
                "record_id": c.record_id or "",
                "winner_source": c.winner_source,
                "winner_event_id": c.winner_event_id,
                "winner_values": _json(c.winner_values),
                "loser_source": c.loser_source,
                "loser_event_id": c.loser_event_id,
                "loser_values": _json(c.loser_values),
                "detected_at": self.now,
                "rule": c.rule or None,
                "closed_at": None,
                "closed_reason": None,
            }
            for c in found
        ]
        if not rows:
            return {}
        added: set[tuple[Any, ...]] = set()
        if self.postgres:
            added.update(insert_new(self.conn, conflicts, CONFLICT_COLUMNS, rows, CONFLICT_KEY))
        else:
            key = [conflicts.c[k] for k in CONFLICT_KEY]
            for chunk in _chunks(rows):
                stmt = _insert(self.conn, conflicts).on_conflict_do_nothing().returning(*key)
                added.update(tuple(r) for r in self.conn.execute(stmt, list(chunk)))
        again = [row for row in rows if tuple(row[k] for k in CONFLICT_KEY) not in added]
        if again:  # recorded before and closed since: open again
            reopen = _by_conflict_key(conflicts.c.closed_at.is_not(None)).values(
                closed_at=None, closed_reason=None
            )
            self.conn.execute(reopen, [_conflict_key_params(row) for row in again])
        at = CONFLICT_KEY.index("kind")
        return dict(Counter(key[at] for key in added))

    def open_conflicts(self, nips: Iterable[str]) -> dict[str, list[Conflict]]:
        found: dict[str, list[Conflict]] = defaultdict(list)
        for condition, params in self._nip_lists(conflicts.c.nip, nips):
            query = select(conflicts).where(condition, conflicts.c.closed_at.is_(None))
            for row in self.conn.execute(query, params):
                found[row.nip].append(conflict_of(row))
        return found

    def close_conflicts(self, closing: Sequence[tuple[Conflict, str]]) -> None:
        if not closing:
            return
        close = _by_conflict_key(conflicts.c.closed_at.is_(None)).values(
            closed_at=bindparam("b_closed_at"), closed_reason=bindparam("b_closed_reason")
        )
        params = [
            {
                **_conflict_key_params(_conflict_key_row(c)),
                "b_closed_at": self.now,
                "b_closed_reason": reason,
            }
            for c, reason in closing
        ]
        self.conn.execute(close, params)

    def snapshot_versions(self, nips: Iterable[str]) -> dict[str, tuple[int, str]]:
        found: dict[str, tuple[int, str]] = {}
        for condition, params in self._nip_lists(reconciled.c.nip, nips):
            query = select(reconciled.c.nip, reconciled.c.version, reconciled.c.digest)
            for nip, version, digest in self.conn.execute(query.where(condition), params):
                found[nip] = (int(version), str(digest))
        return found

    def save_snapshots(self, new: Sequence[NewSnapshot]) -> None:
        if not new:
            return
        versions = [
            {"nip": n.nip, "version": n.version, "digest": n.digest, "changed_at": self.now}
            for n in new
        ]
        pending = [
            {
                "event_id": n.event.event_id,
                "topic": n.event.topic,
                "key": n.event.key,
                "payload": n.event.payload,
                "created_at": self.now,
            }
            for n in new
        ]
        if self.postgres:
            upsert(self.conn, reconciled, list(versions[0]), versions, ["nip"])
            copy_rows(self.conn, outbox, list(pending[0]), pending)
            return
        for chunk in _chunks(versions):
            stmt = _insert(self.conn, reconciled)
            stmt = stmt.on_conflict_do_update(
                index_elements=["nip"],
                set_={c: stmt.excluded[c] for c in ("version", "digest", "changed_at")},
            )
            self.conn.execute(stmt, list(chunk))
        for chunk in _chunks(pending):
            self.conn.execute(outbox.insert(), list(chunk))

    def move_indexes(self, moved: Sequence[IndexResult]) -> None:
        if not moved:
            return
        stmt = (
            update(indexes)
            .where(
                indexes.c.nip == bindparam("b_nip"),
                indexes.c.measurement_year == bindparam("b_year"),
                indexes.c.rule_version == bindparam("b_rule_version"),
            )
            .values(agency_code=bindparam("b_agency_code"))
        )
        params = [
            {
                "b_nip": i.nip,
                "b_year": i.measurement_year,
                "b_rule_version": i.rule_version,
                "b_agency_code": i.agency_code,
            }
            for i in moved
        ]
        self.conn.execute(stmt, params)

    def add_to_agencies(
        self, changes: Mapping[AgencyKey, Figures]
    ) -> list[tuple[AgencyKey, Figures, int]]:
        keys = sorted(changes)
        if not keys:
            return []
        # Rows for agencies seen the first time, then every row locked in agency order (two
        # transactions never wait for each other), read, added to and written back: in
        # Python, as SQLite keeps exact decimals as text.
        empty = [
            {"agency_code": a, "measurement_year": y, "rule_version": r, "employees": 0,
             "score_sum": Decimal(0), **dict.fromkeys(BAND_COLUMNS, 0), "version": 0,
             "changed_at": self.now}
            for a, y, r in keys
        ]  # fmt: skip
        for chunk in _chunks(empty):
            self.conn.execute(
                _insert(self.conn, agency_aggregates).on_conflict_do_nothing(), list(chunk)
            )
        held: dict[AgencyKey, Any] = {}
        key_columns = tuple_(
            agency_aggregates.c.agency_code,
            agency_aggregates.c.measurement_year,
            agency_aggregates.c.rule_version,
        )
        for part in _chunks(keys):
            query = select(agency_aggregates).where(key_columns.in_(part))
            query = query.order_by(*agency_aggregates.primary_key.columns)
            if self.postgres:
                query = query.with_for_update()
            held.update(
                ((r.agency_code, r.measurement_year, r.rule_version), r)
                for r in self.conn.execute(query)
            )
        result: list[tuple[AgencyKey, Figures, int]] = []
        for key in keys:
            row, change = held[key], changes[key]
            figures = Figures(
                employees=row.employees + change.employees,
                score_sum=row.score_sum + change.score_sum,
                bands={
                    b: getattr(row, c) + change.bands[b]
                    for b, c in zip(BANDS, BAND_COLUMNS, strict=True)
                },
            )
            result.append((key, figures, row.version + 1))
        stmt = (
            update(agency_aggregates)
            .where(
                agency_aggregates.c.agency_code == bindparam("b_agency_code"),
                agency_aggregates.c.measurement_year == bindparam("b_measurement_year"),
                agency_aggregates.c.rule_version == bindparam("b_rule_version"),
            )
            .values(
                employees=bindparam("b_employees"),
                score_sum=bindparam("b_score_sum", type_=PointSums()),
                version=bindparam("b_version"),
                changed_at=bindparam("b_changed_at"),
                **{c: bindparam(f"b_{c}") for c in BAND_COLUMNS},
            )
        )
        self.conn.execute(
            stmt,
            [
                {
                    "b_agency_code": a, "b_measurement_year": y, "b_rule_version": r,
                    "b_employees": f.employees, "b_score_sum": f.score_sum, "b_version": v,
                    "b_changed_at": self.now,
                    **{f"b_{c}": f.bands[b] for b, c in zip(BANDS, BAND_COLUMNS, strict=True)},
                }
                for (a, y, r), f, v in result
            ],
        )  # fmt: skip
        return result

    def add_to_outbox(self, events: Sequence[OutboxEvent]) -> None:
        pending = [
            {"event_id": e.event_id, "topic": e.topic, "key": e.key, "payload": e.payload,
             "created_at": self.now}
            for e in events
        ]  # fmt: skip
        if not pending:
            return
        if self.postgres:
            copy_rows(self.conn, outbox, list(pending[0]), pending)
            return
        for chunk in _chunks(pending):
            self.conn.execute(outbox.insert(), list(chunk))

    def save_revisions(self, new: Sequence[NewRevision]) -> None:
        """The new current index, its revision and its outbox row, for each."""
        if not new:
            return
        current = [_index_row(n.current) for n in new]
        history = [
            {
                **row,
                "previous_score": n.previous.score if n.previous else None,
                "previous_band": n.previous.band if n.previous else None,
                "caused_by": n.caused_by,
            }
            for row, n in zip(current, new, strict=True)
        ]
        pending = [
            {
                "event_id": n.event.event_id,
                "topic": n.event.topic,
                "key": n.event.key,
                "payload": n.event.payload,
                "created_at": self.now,
            }
            for n in new
        ]
        if self.postgres:
            upsert(self.conn, indexes, INDEX_COLUMNS, current, INDEX_KEY)
            copy_rows(self.conn, revisions, list(history[0]), history)
            # In order: the outbox ids, and so the relay, follow the revisions.
            copy_rows(self.conn, outbox, list(pending[0]), pending)
            return
        for chunk in _chunks(current):
            stmt = _insert(self.conn, indexes)
            stmt = stmt.on_conflict_do_update(
                index_elements=INDEX_KEY,
                set_={c: stmt.excluded[c] for c in INDEX_COLUMNS if c not in INDEX_KEY},
            )
            self.conn.execute(stmt, list(chunk))
        for chunk in _chunks(history):
            self.conn.execute(revisions.insert(), list(chunk))
        for chunk in _chunks(pending):
            self.conn.execute(outbox.insert(), list(chunk))


def _conflict_key_row(c: Conflict) -> dict[str, Any]:
    return {
        "nip": c.nip,
        "kind": c.kind,
        "record_id": c.record_id or "",
        "winner_source": c.winner_source,
        "winner_event_id": c.winner_event_id,
        "loser_source": c.loser_source,
        "loser_event_id": c.loser_event_id,
    }


def _by_conflict_key(condition: ColumnElement[bool]) -> Any:
    """An UPDATE of the conflict whose key is given as parameters b_<column> (executemany)."""
    return update(conflicts).where(
        *(conflicts.c[k] == bindparam(f"b_{k}") for k in CONFLICT_KEY), condition
    )


def _conflict_key_params(row: dict[str, Any]) -> dict[str, Any]:
    return {f"b_{k}": row[k] for k in CONFLICT_KEY}


def conflict_of(row: Any) -> Conflict:
    return Conflict(
        nip=row.nip,
        kind=cast(Kind, row.kind),
        record_id=row.record_id or None,
        winner_source=row.winner_source,
        winner_event_id=row.winner_event_id,
        winner_values=row.winner_values,
        loser_source=row.loser_source,
        loser_event_id=row.loser_event_id,
        loser_values=row.loser_values,
        rule=row.rule or "",
    )


def _record_row(nip: str, r: Record) -> dict[str, Any]:
    return {
        "nip": nip,
        "kind": r.kind,
        "record_id": r.record_id or "",
        "values": dict(r.values),
        "source": r.source,
        "event_id": r.event_id,
        "time": r.time,
    }


def _json(values: Any) -> Any:
    return None if values is None else dict(values)


def _index_row(r: IndexRevision) -> dict[str, Any]:
    """The `indexes` row of a revision; its `revisions` row adds what it followed."""
    i = r.index
    return {
        "nip": i.nip,
        "measurement_year": i.measurement_year,
        "rule_version": i.rule_version,
        "revision": r.revision,
        "score": i.score,
        "band": i.band,
        **(i.dimensions.as_dict() if i.dimensions else dict.fromkeys(DIMENSIONS)),
        "agency_code": i.agency_code,
        "computed_at": r.computed_at,
    }


def _index_of(row: Any) -> IndexRevision:
    """The revision an `indexes` row holds."""
    dims = None if row.score is None else Dimensions(**{d: getattr(row, d) for d in DIMENSIONS})
    index = IndexResult(
        row.nip, row.measurement_year, row.rule_version, row.score, row.band, dims, row.agency_code
    )
    return IndexRevision(index, row.revision, row.computed_at)


@dataclass(slots=True)
class OutboxBatch:
    """Unsent outbox rows, locked until the block that holds them ends."""

    rows: list[OutboxRow]
    _conn: Connection

    def mark_sent(self, now: datetime) -> None:
        ids = [r.id for r in self.rows]
        if self._conn.dialect.name == "postgresql":
            sent = update(outbox).where(outbox.c.id == any_(_IDS)).values(sent_at=now)
            self._conn.execute(sent, {"ids": ids})
            return
        for chunk in _chunks(ids):
            self._conn.execute(update(outbox).where(outbox.c.id.in_(chunk)).values(sent_at=now))


class SqlStore:
    """The Store port on SQLAlchemy; its errors leave it as TransientError or RefusedValue."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        track_staging(engine)

    @contextmanager
    def unit(self, now: datetime, *, commit: bool = True) -> Iterator[SqlUnit]:
        """One transaction; with commit=False it is rolled back (a trial run)."""
        with translated(), self.engine.connect() as conn, conn.begin() as transaction:
            yield SqlUnit(conn, now)
            if not commit:
                transaction.rollback()

    @contextmanager
    def unsent(self, limit: int) -> Iterator[OutboxBatch]:
        """Unsent outbox rows in id order, locked until the block ends (FOR UPDATE).

        Without SKIP LOCKED a second relay waits behind the first instead of sending a
        later revision of the same NIP ahead of an earlier one.
        """
        with translated(), self.engine.begin() as conn:
            query = (
                select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.payload)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
                .with_for_update()
            )
            yield OutboxBatch([OutboxRow(*r) for r in conn.execute(query)], conn)

    def pending_count(self) -> int:
        with translated(), self.engine.connect() as conn:
            query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            return int(conn.execute(query).scalar_one())
