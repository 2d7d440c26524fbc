"""How PostgreSQL and SQLite each do the store's writes; chosen once per transaction.

PostgreSQL streams rows with COPY (worker/db/bulk.py), takes a whole list of NIPs as one array
parameter and locks rows; SQLite takes multi-row inserts and IN lists in chunks, and has one
writer at a time. The table modules ask a `Writes`, never the dialect.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import orjson
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite

from worker.db import bulk
from worker.db.tables import employees, records, statements

T = TypeVar("T")
Row = Mapping[str, Any]
# A `nip IN (...)` (or `id IN (...)`) condition and the parameters it needs.
Condition = tuple[ColumnElement[bool], dict[str, Any]]
RecordKey = tuple[str, str, str]  # nip, kind, record_id ("" for profile and position)
RecordRow = tuple[str, str, str, dict[str, Any], str, str, datetime]
# A statement's columns as the store reads them back (values None where deleted).
STATEMENT_READ = (
    "nip", "source", "kind", "record_id", "event_id", "time", "sequence", "values", "actor",
    "reason", "released",
)  # fmt: skip
StatementRow = tuple[Any, ...]

# Keep IN lists and multi-row inserts well below every backend's parameter limit.
CHUNK = 500
# PostgreSQL takes a whole list of NIPs (or keys, event ids) as one array parameter: one SQL
# text, planned once.
_TEXTS = bindparam("texts", type_=ARRAY(String))
_IDS = bindparam("ids", type_=ARRAY(BigInteger))
# Each source's latest statement per record, by recency() (worker/domain/model.py): the later
# time, a sequence over none, the larger sequence, the larger event id by code point (not by the
# database's collation, which may order by language: en_US puts "a" before "B").
_READ_STATEMENTS = (
    "SELECT DISTINCT ON (nip, kind, record_id, source) "
    "nip, source, kind, record_id, event_id, time, sequence, "
    'CASE WHEN deleted THEN NULL ELSE "values"::text END, actor, reason, released '
    "FROM statements WHERE nip = ANY(%(nips)s::text[]) "
    "ORDER BY nip, kind, record_id, source, time DESC, (sequence IS NOT NULL) DESC, "
    'COALESCE(sequence, 0) DESC, event_id COLLATE "C" DESC'
)
_READ_RECORDS = (
    'SELECT nip, kind, record_id, "values"::text, source, event_id, time FROM records '
    "WHERE nip = ANY(%(nips)s::text[])"
)
# Exact records, as three arrays of the same length (nip, kind, record_id).
_DELETE_RECORDS = (
    "DELETE FROM records WHERE (nip, kind, record_id) IN "
    "(SELECT * FROM unnest(%(nips)s::text[], %(kinds)s::text[], %(ids)s::text[]))"
)

# Each transaction that adds statements (or recomputes) first locks its employees' rows,
# inserting those not seen before; here an existing row is locked, not rewritten (the adding
# lock below moves its version as well). A second transaction about one of them
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
# The same lock before statements are added, which also moves each row's version and returns
# it (worker/db/tables.py): the check of a cached employee, in the statement that locks it. The
# row is rewritten here, a heap-only update (no index holds the version), which the lock
# above avoids: its transactions (recompute) add nothing.
_LOCK_EMPLOYEES_ADDING = (
    f"INSERT INTO {employees.name} (nip, version) SELECT unnest(%(nips)s::text[]), 1 "
    "ON CONFLICT (nip) DO UPDATE SET version = employees.version + 1 RETURNING nip, version"
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


def employee_versions(writes: Writes, nips: Iterable[str]) -> dict[str, int]:
    """The versions of these employees' rows (worker/db/tables.py), of those that have one."""
    found: dict[str, int] = {}
    for condition, params in writes.text_lists(employees.c.nip, nips):
        query = select(employees.c.nip, employees.c.version).where(condition)
        found.update((nip, version) for nip, version in writes.conn.execute(query, params))
    return found


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Writes(Protocol):
    """One dialect's way of doing what the store needs, on the transaction's connection."""

    conn: Connection

    def insert_rows(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Insert the rows, each holding exactly these columns."""

    def insert_new(
        self, table: Table, columns: Sequence[str], rows: Sequence[Row], unique: Sequence[str]
    ) -> set[tuple[Any, ...]]:
        """Insert the rows whose `unique` columns are not in the table yet; their keys."""

    def add_up(self, table: Table, rows: Sequence[Row], adding: Sequence[str]) -> Sequence[Row]:
        """Each row (sorted by the table's primary key) inserted, or added to the row with its
        key: its `adding` columns summed with the row's, its other columns set. The rows as
        they are now, locked until the transaction ends, in the order given: two transactions
        that add to the same rows take their locks in the same order, so one waits for the
        other and neither deadlocks."""

    def upsert(
        self, table: Table, columns: Sequence[str], rows: Sequence[Row], unique: Sequence[str]
    ) -> None:
        """Insert the rows, or update every other column where the `unique` ones exist."""

    def delete_records(self, keys: Sequence[RecordKey]) -> None:
        """Delete exactly these records."""

    def text_lists(self, column: ColumnElement[str], values: Iterable[str]) -> Iterator[Condition]:
        """`column IN (...)` conditions that together cover the values (NIPs, keys, event ids),
        in order; none for no values (nothing to ask the database)."""

    def id_lists(self, column: ColumnElement[int], ids: Sequence[int]) -> Iterator[Condition]:
        """`column IN (...)` conditions that together cover the ids; none for no ids."""

    def among(self, column: ColumnElement[int], ids: Select[Any]) -> ColumnElement[bool]:
        """`column` among the ids `ids` selects: for a statement that locks the rows it
        takes, in id order where the dialect locks rows."""

    def lock_employees(self, nips: Sequence[str]) -> None:
        """Hold these employees (sorted, at least one) until the transaction ends."""

    def lock_employees_adding(self, nips: Sequence[str]) -> dict[str, int]:
        """Hold them as lock_employees does, right before statements about them are added;
        each gets a row in `employees` (recompute pages through them), and its version moves
        by one. Each one's version now."""

    def read_records(self, nips: Sequence[str]) -> Iterator[RecordRow]:
        """The stored records of these NIPs: nip, kind, record_id ("" for none), values,
        source, event_id, time."""

    def read_statements(self, nips: Iterable[str]) -> Iterator[StatementRow]:
        """Each source's latest statement about each record of these NIPs, by recency()'s
        order: STATEMENT_READ's columns, values as a dict (None where deleted), times in UTC."""


class PostgresWrites:
    """COPY, staging tables, array parameters and row locks."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def insert_rows(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        bulk.copy_rows(self.conn, table, columns, rows)

    def insert_new(
        self, table: Table, columns: Sequence[str], rows: Sequence[Row], unique: Sequence[str]
    ) -> set[tuple[Any, ...]]:
        return set(bulk.insert_new(self.conn, table, columns, rows, unique))

    def add_up(self, table: Table, rows: Sequence[Row], adding: Sequence[str]) -> Sequence[Row]:
        """One statement: the rows as arrays, `INSERT … ON CONFLICT DO UPDATE … RETURNING`,
        which inserts and locks the rows in the order of the arrays."""
        names = list(rows[0])
        key = [c.name for c in table.primary_key.columns]
        arrays = [
            bindparam(f"add_{n}", [r[n] for r in rows], type_=ARRAY(table.c[n].type)) for n in names
        ]
        given = func.unnest(*arrays).table_valued(*names).render_derived()
        insert = postgresql.insert(table).from_select(names, select(*given.c))
        values: dict[str, ColumnElement[Any]] = {
            c: table.c[c] + insert.excluded[c] if c in adding else insert.excluded[c]
            for c in names
            if c not in key
        }
        upsert = insert.on_conflict_do_update(index_elements=key, set_=values)
        found = (dict(r._mapping) for r in self.conn.execute(upsert.returning(*table.c)))
        now = {_key(r, key): r for r in found}
        return [now[_key(r, key)] for r in rows]

    def upsert(
        self, table: Table, columns: Sequence[str], rows: Sequence[Row], unique: Sequence[str]
    ) -> None:
        bulk.upsert(self.conn, table, columns, rows, unique)

    def delete_records(self, keys: Sequence[RecordKey]) -> None:
        arrays = {
            "nips": [nip for nip, _, _ in keys],
            "kinds": [kind for _, kind, _ in keys],
            "ids": [record_id for _, _, record_id in keys],
        }
        self.conn.exec_driver_sql(_DELETE_RECORDS, arrays)

    def text_lists(self, column: ColumnElement[str], values: Iterable[str]) -> Iterator[Condition]:
        texts = sorted(set(values))
        if texts:
            yield column == any_(_TEXTS), {"texts": texts}

    def id_lists(self, column: ColumnElement[int], ids: Sequence[int]) -> Iterator[Condition]:
        if ids:
            yield column == any_(_IDS), {"ids": list(ids)}

    def among(self, column: ColumnElement[int], ids: Select[Any]) -> ColumnElement[bool]:
        # One sorted array, computed once: the index scan of `column = ANY(array)` visits the
        # ids, and so locks their rows, in order. Not `IN (ids)`: a join, whose order is the
        # plan's (a subquery that locks cannot be one: see outbox.claimed).
        ordered = postgresql.aggregate_order_by(column, column)
        array = ids.with_only_columns(func.array_agg(ordered)).scalar_subquery()
        return column == any_(cast(array, ARRAY(BigInteger)))  # cast: not `ANY (subquery)`

    def lock_employees(self, nips: Sequence[str]) -> None:
        """Their rows locked (see _LOCK_EMPLOYEES), under _TIMEOUTS."""
        self.conn.exec_driver_sql(_TIMEOUTS)
        self.conn.exec_driver_sql(_LOCK_EMPLOYEES, {"nips": list(nips)})

    def lock_employees_adding(self, nips: Sequence[str]) -> dict[str, int]:
        self.conn.exec_driver_sql(_TIMEOUTS)
        return dict(bulk.fetched(self.conn, _LOCK_EMPLOYEES_ADDING, {"nips": list(nips)}))

    def read_records(self, nips: Sequence[str]) -> Iterator[RecordRow]:
        # The driver's own rows, fetched at once, and the JSON read by orjson: SQLAlchemy's row
        # processing and the standard library's JSON took four times as long (recompute reads
        # millions of records).
        found = bulk.fetched(self.conn, _READ_RECORDS, {"nips": list(nips)})
        for nip, kind, record_id, values, source, event_id, time in found:
            yield nip, kind, record_id, orjson.loads(values), source, event_id, time.astimezone(UTC)

    def read_statements(self, nips: Iterable[str]) -> Iterator[StatementRow]:
        found = bulk.fetched(self.conn, _READ_STATEMENTS, {"nips": sorted(set(nips))})
        for nip, source, kind, record_id, event_id, time, sequence, values, *rest in found:
            decoded = None if values is None else orjson.loads(values)
            yield (
                nip,
                source,
                kind,
                record_id,
                event_id,
                time.astimezone(UTC),
                sequence,
                decoded,
                *rest,
            )


class SqliteWrites:
    """Multi-row inserts and IN lists in chunks; one write lock for the whole database."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def insert_rows(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        for chunk in chunks(rows):
            self.conn.execute(table.insert(), list(chunk))

    def insert_new(
        self, table: Table, columns: Sequence[str], rows: Sequence[Row], unique: Sequence[str]
    ) -> set[tuple[Any, ...]]:
        added: set[tuple[Any, ...]] = set()
        for chunk in chunks(rows):
            stmt = (
                sqlite.insert(table)
                .on_conflict_do_nothing(index_elements=list(unique))
                .returning(*(table.c[k] for k in unique))
            )
            added.update(tuple(r) for r in self.conn.execute(stmt, list(chunk)))
        return added

    def add_up(self, table: Table, rows: Sequence[Row], adding: Sequence[str]) -> Sequence[Row]:
        """The rows inserted with nothing to add where missing, read, and written back with
        the sums: SQLite keeps exact decimals as text, so they are added in Python. (Its one
        writer at a time leaves no lock order to keep.)"""
        key = [c.name for c in table.primary_key.columns]
        missing = [{**r, **dict.fromkeys(adding, 0)} for r in rows]
        for chunk in chunks(missing):
            self.conn.execute(sqlite.insert(table).on_conflict_do_nothing(), list(chunk))
        columns = tuple_(*(table.c[k] for k in key))
        held: dict[tuple[Any, ...], Row] = {}
        for part in chunks([_key(r, key) for r in rows]):
            found = (
                dict(r._mapping) for r in self.conn.execute(select(table).where(columns.in_(part)))
            )
            held.update((_key(r, key), r) for r in found)
        now = [{**r, **{c: held[_key(r, key)][c] + r[c] for c in adding}} for r in rows]
        update = table.update().where(*(table.c[k] == bindparam(f"b_{k}") for k in key))
        update = update.values({c: bindparam(f"b_{c}") for c in now[0] if c not in key})
        self.conn.execute(update, [{f"b_{c}": v for c, v in r.items()} for r in now])
        return now

    def upsert(
        self, table: Table, columns: Sequence[str], rows: Sequence[Row], unique: Sequence[str]
    ) -> None:
        for chunk in chunks(rows):
            stmt = sqlite.insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=list(unique),
                set_={c: stmt.excluded[c] for c in columns if c not in unique},
            )
            self.conn.execute(stmt, list(chunk))

    def delete_records(self, keys: Sequence[RecordKey]) -> None:
        exact = delete(records).where(
            records.c.nip == bindparam("n"),
            records.c.kind == bindparam("k"),
            records.c.record_id == bindparam("r"),
        )
        self.conn.execute(exact, [{"n": nip, "k": kind, "r": rid} for nip, kind, rid in keys])

    def text_lists(self, column: ColumnElement[str], values: Iterable[str]) -> Iterator[Condition]:
        for chunk in chunks(sorted(set(values))):
            yield column.in_(chunk), {}

    def id_lists(self, column: ColumnElement[int], ids: Sequence[int]) -> Iterator[Condition]:
        for chunk in chunks(ids):
            yield column.in_(chunk), {}

    def among(self, column: ColumnElement[int], ids: Select[Any]) -> ColumnElement[bool]:
        return column.in_(ids.scalar_subquery())

    def lock_employees(self, nips: Sequence[str]) -> None:
        """SQLite's one write lock taken now, before anything is read (see _WRITE_LOCK_SQLITE)."""
        self.conn.exec_driver_sql(_WRITE_LOCK_SQLITE)

    def lock_employees_adding(self, nips: Sequence[str]) -> dict[str, int]:
        """No lock: SQLite takes one writer at a time, and this is each transaction's first
        write. The rows of employees not seen before are added and the versions moved, as on
        PostgreSQL: recompute pages through them."""
        rows = [{"nip": nip} for nip in nips]
        row = sqlite.insert(employees).values(version=1)
        moved = row.on_conflict_do_update(set_={"version": employees.c.version + 1})
        self.conn.execute(moved, rows)
        return employee_versions(self, nips)

    def read_statements(self, nips: Iterable[str]) -> Iterator[StatementRow]:
        # As PostgreSQL's read: the latest per source and record, no values where deleted.
        s = statements.c
        values = case((s.deleted, None), else_=s["values"])
        columns = [values.label("values") if c == "values" else s[c] for c in STATEMENT_READ]
        recency = (
            s.time.desc(),
            s.sequence.is_not(None).desc(),
            func.coalesce(s.sequence, 0).desc(),
            s.event_id.desc(),  # by code point: SQLite's default collation, BINARY, compares bytes
        )
        rank = func.row_number().over(
            partition_by=(s.nip, s.kind, s.record_id, s.source), order_by=recency
        )
        for chunk in chunks(sorted(set(nips))):
            ranked = select(*columns, rank.label("rank")).where(s.nip.in_(chunk)).subquery()
            query = select(*(ranked.c[c] for c in STATEMENT_READ)).where(ranked.c.rank == 1)
            yield from (tuple(row) for row in self.conn.execute(query))

    def read_records(self, nips: Sequence[str]) -> Iterator[RecordRow]:
        columns = [records.c[c] for c in ("nip", "kind", "record_id", "values", "source")]
        query = select(*columns, records.c.event_id, records.c.time)
        for chunk in chunks(sorted(set(nips))):
            yield from self.conn.execute(query.where(records.c.nip.in_(chunk)))  # type: ignore[misc]


def _key(row: Row, key: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[k] for k in key)


def writes_for(conn: Connection) -> Writes:
    """The connection's dialect's writes: the one place that asks which dialect it is."""
    if conn.dialect.name == "postgresql":
        return PostgresWrites(conn)
    return SqliteWrites(conn)
