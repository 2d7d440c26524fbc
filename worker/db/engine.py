"""Engines, schema migrations (Alembic, run programmatically) and the one check that the schema
is there."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING, Any

import orjson
from psycopg.types.array import ListBinaryDumper
from psycopg.types.json import set_json_dumps
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SCHEMA_HEAD",
    "Engine",
    "SchemaMissing",
    "alembic_config",
    "database_name",
    "make_engine",
    "migrate",
    "ping",
    "require_schema",
]

# A database that stops answering (a network that drops packets, a host gone) fails a call
# within about half a minute instead of hanging it: the loop's retries take it from there.
# Options of the URL's query string take precedence.
LIBPQ_TIMEOUTS: dict[str, int] = {
    "connect_timeout": 10,  # seconds
    "keepalives": 1,
    "keepalives_idle": 10,  # seconds idle before the first probe
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # ms that sent data may stay unacknowledged (Linux)
}

# The session's time zone: UTC, whatever the server's default (Asia/Jakarta, say). Times are
# stored as timestamptz and read back converted to UTC anyway; psycopg then gives them with
# datetime.timezone.utc instead of a ZoneInfo, which costs more to read (a recompute reads ten
# records' times an employee) and to convert. A URL's own `options` replace this one.
SESSION_UTC = "-c TimeZone=UTC"

# The newest schema revision, the head of worker/db/migrations (a test holds them equal): the
# worker knows it without Alembic, and so imports Alembic only to migrate. Its modules would
# be 10 MiB of the memory of every process that finds the schema current (a worker, each
# process of a recompute), and once imported they are never given back.
SCHEMA_HEAD = "0011"


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _loads(text: str | bytes) -> Any:
    # orjson, not the standard library: several times faster, and it shares the strings of
    # repeated keys, where json.loads makes a copy of each key for each value read back.
    return orjson.loads(text)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"timeout": 30}, json_serializer=_json, json_deserializer=_loads
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    given = set(parsed.query)
    connect_args: dict[str, Any] = {k: v for k, v in LIBPQ_TIMEOUTS.items() if k not in given}
    if "options" not in given:
        connect_args["options"] = SESSION_UTC
    engine = create_engine(
        parsed,
        pool_pre_ping=True,
        json_serializer=_json,
        json_deserializer=_loads,
        connect_args=connect_args,
    )
    event.listen(engine, "connect", _adapters)
    return engine


def _adapters(dbapi_connection: Any, _record: Any) -> None:
    """Lists (the NIPs, keys and ids a batch asks about, thousands at a time) sent as binary
    arrays: psycopg builds the text form item by item in Python, escaping each, at twice the
    time (2,000 NIPs: 2.8 → 1.0-1.3 ms a query with the server's part). JSON that psycopg
    dumps itself (the COPY of worker/db/bulk.py) by orjson."""
    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)
    set_json_dumps(orjson.dumps, dbapi_connection)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets `ipasn-worker show` read while the worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config  # only to migrate: see SCHEMA_HEAD

    config = Config()
    config.set_main_option("script_location", str(files("worker.db").joinpath("migrations")))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already."""
    if _at(engine) == {SCHEMA_HEAD}:
        return
    from alembic import command  # only to migrate: see SCHEMA_HEAD

    command.upgrade(alembic_config(engine), "head")


class SchemaMissing(Exception):
    """The database has no ipasn schema, or an older one; the message is one line."""


def database_name(url: str) -> str:
    """The URL as it may be shown: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def _at(engine: Engine) -> set[str]:
    """The schema revisions the database is at, as Alembic records them: none without its
    table."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def require_schema(engine: Engine, *, current: bool = True) -> None:
    """SchemaMissing where the database has no ipasn schema, or (`current`) an older one than
    this version of the worker reads."""
    at = _at(engine)
    if at == {SCHEMA_HEAD} or (at and not current):
        return
    why = "an older ipasn schema" if at else "no ipasn schema yet"
    raise SchemaMissing(
        f"{database_name(str(engine.url))} has {why} (ipasn-worker migrate, or run the worker)"
    )


def ping(engine: Engine) -> None:
    """Ask the database for `SELECT 1`; its error, if any, propagates."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
