"""SQLAlchemy's errors as the project's own (worker.pipeline.ports), at the edge of the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from worker.pipeline.ports import RefusedValue, TransientError

# What a command catches of a database failure that ends it, without importing SQLAlchemy.
DatabaseFailure = SQLAlchemyError

# A unique key taken by another transaction: PostgreSQL's SQLSTATE, SQLite's extended codes.
_UNIQUE_VIOLATIONS = {"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
# Waited too long for another transaction's lock (lock_timeout), or a deadlock it was part of.
_LOCK_WAITS = {"55P03", "40P01"}
# The server ended a transaction left idle too long (the worker stood still mid-transaction).
_IDLE_TRANSACTION_ENDED = "25P03"


def _code(e: DBAPIError) -> str | None:
    return getattr(e.orig, "sqlstate", None) or getattr(e.orig, "sqlite_errorname", None)


@contextmanager
def translated() -> Iterator[None]:
    """A lost or refused connection is transient; a value the database refuses is permanent.

    A lock another transaction held too long, or a unique key it took first (a revision number,
    say), is transient too: the transaction is rolled back, and the retry reads what the other
    one left.
    """
    try:
        yield
    except DataError as e:
        raise RefusedValue(type(e.orig).__name__ if e.orig else "DataError") from e
    except OperationalError as e:
        if _code(e) in _LOCK_WAITS:
            raise TransientError(
                f"another transaction held a lock ({type(e.orig).__name__})"
            ) from e
        raise TransientError(f"database unavailable ({type(e.orig or e).__name__})") from e
    except IntegrityError as e:
        if _code(e) in _UNIQUE_VIOLATIONS:
            raise TransientError(
                f"a concurrent write took a key first ({type(e.orig).__name__})"
            ) from e
        raise
    except DBAPIError as e:
        if e.connection_invalidated or _code(e) == _IDLE_TRANSACTION_ENDED:
            raise TransientError(f"database connection lost ({type(e.orig or e).__name__})") from e
        raise


def explained(error: SQLAlchemyError) -> str:
    """The one line that tells an operator which database failure ended a command: the error's
    name and the first line of its message (SQLAlchemy's never holds the URL's password)."""
    return f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
