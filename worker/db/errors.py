"""SQLAlchemy's errors as the project's own (worker.ports), at the edge of the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from worker.ports import RefusedValue, TransientError


@contextmanager
def translated() -> Iterator[None]:
    """A lost or refused connection is transient; a value the database refuses is permanent."""
    try:
        yield
    except DataError as e:
        raise RefusedValue(type(e.orig).__name__ if e.orig else "DataError") from e
    except OperationalError as e:
        raise TransientError(f"database unavailable ({type(e.orig or e).__name__})") from e
    except DBAPIError as e:
        if e.connection_invalidated:
            raise TransientError(f"database connection lost ({type(e.orig or e).__name__})") from e
        raise
