"""Bulk writes on PostgreSQL with COPY (psycopg 3), inside the caller's transaction.

A multi-row INSERT of 500 rows is a new SQL text each time: psycopg parses it and the server
plans it again, which cost more than the writing itself. COPY streams the rows instead, in
PostgreSQL's binary form: each value as the server stores it, so psycopg neither formats times
and numbers as text nor escapes JSON for the text form (half the worker's time a row).
Table and column names come from our own table definitions, never from input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.exc import DBAPIError


def _names(conn: Connection, names: Sequence[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(n) for n in names)


def _copy_types(conn: Connection, table: Table, columns: Sequence[str]) -> list[str]:
    """The columns' PostgreSQL type names as psycopg knows them ("character varying",
    "timestamp with time zone", ...): a binary COPY sends each value in its column's form."""
    compiled = (conn.dialect.type_compiler_instance.process(table.c[n].type) for n in columns)
    return [name.split("(")[0].strip().lower() for name in compiled]


def copy_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    into: str | None = None,
) -> None:
    """COPY rows into `table` (or into `into`, a table of the same columns), each value as
    psycopg dumps it in binary: str, int, bool, Decimal, aware datetimes (a naive one is refused:
    TypeError), and JSON by orjson (worker/db/engine.py sets it on each connection)."""
    values = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    target = into or conn.dialect.identifier_preparer.format_table(table)
    sql = f"COPY {target} ({_names(conn, columns)}) FROM STDIN (FORMAT BINARY)"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            copy.set_types(_copy_types(conn, table, columns))
            for row in rows:
                copy.write_row(values(row))
    except psycopg.Error as e:
        # As SQLAlchemy would raise it (DataError, OperationalError, ...), so that callers
        # tell a refused value from a transient fault as they do for every other statement.
        raise DBAPIError.instance(sql, None, e, psycopg.Error) from e
    finally:
        cursor.close()


def fetched(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Every row of a query, as the driver gives them, fetched at once: no SQLAlchemy row
    processing (a quarter of the time of reading millions of small rows)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    except psycopg.Error as e:
        # As SQLAlchemy would raise it, for the store's translation (see copy_rows).
        raise DBAPIError.instance(sql, None, e, psycopg.Error) from e
    finally:
        cursor.close()


_STAGING = "staging_tables"


def forget_staging(conn: Connection) -> None:
    """After a rollback: the staging tables this transaction created may be gone.

    A connection lost mid-transaction is invalidated, and its replacement starts with nothing
    remembered; asking for its info here would try to reconnect inside the failed rollback.
    """
    if not conn.invalidated:
        conn.info.pop(_STAGING, None)


def track_staging(engine: Engine) -> None:
    if not event.contains(engine, "rollback", forget_staging):
        event.listen(engine, "rollback", forget_staging)


def _staged(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> str:
    """COPY the rows into a temporary table shaped like `table`; its name.

    The table is empty at the start of every transaction: a commit deletes its rows (ON COMMIT
    DELETE ROWS) and a rollback discards them. Each transaction stages a table only once.
    """
    staging = f"incoming_{table.name}"
    # Created once per database connection (a temporary table lives as long as it does);
    # a rollback may undo the creation, so the connection forgets them then (see below).
    created: set[str] = conn.info.setdefault(_STAGING, set())
    if staging not in created:
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {_names(conn, columns)} FROM {table.name} WITH NO DATA"
        )
        created.add(staging)
    copy_rows(conn, table, columns, rows, into=staging)
    return staging


def insert_new(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    unique: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert the rows whose `unique` columns are not in the table yet; return their keys."""
    staging = _staged(conn, table, columns, rows)
    cols, keys = _names(conn, columns), _names(conn, unique)
    inserted = conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {staging} "  # noqa: S608
        f"ON CONFLICT ({keys}) DO NOTHING RETURNING {keys}"
    )
    return [tuple(r) for r in inserted]


def upsert(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    unique: Sequence[str],
) -> None:
    """Insert the rows, or update every other column where the `unique` ones exist already."""
    staging = _staged(conn, table, columns, rows)
    quote = conn.dialect.identifier_preparer.quote
    cols, keys = _names(conn, columns), _names(conn, unique)
    changes = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in unique)
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {staging} "  # noqa: S608
        f"ON CONFLICT ({keys}) DO UPDATE SET {changes}"
    )
