"""SqlStore: statements, reconciled records, indexes, revisions, conflicts and the outbox.

One module per table family, each doing its writes through the dialect's `Writes`
(dialects.py), chosen once per transaction; unit.py composes them into SqlUnit and SqlStore.
"""

from worker.db.store.agencies import figures_of
from worker.db.store.conflicts import CONFLICT_COLUMNS, CONFLICT_KEY, conflict_of
from worker.db.store.dialects import (
    CHUNK,
    IDLE_IN_TRANSACTION_TIMEOUT_S,
    LOCK_TIMEOUT_S,
    PostgresWrites,
    SqliteWrites,
    Writes,
    writes_for,
)
from worker.db.store.indexes import INDEX_COLUMNS, INDEX_KEY
from worker.db.store.outbox import OutboxBatch
from worker.db.store.records import RECORD_COLUMNS
from worker.db.store.statements import STATEMENT_COLUMNS, statement_of
from worker.db.store.unit import SqlStore, SqlUnit

__all__ = [
    "CHUNK",
    "CONFLICT_COLUMNS",
    "CONFLICT_KEY",
    "IDLE_IN_TRANSACTION_TIMEOUT_S",
    "INDEX_COLUMNS",
    "INDEX_KEY",
    "LOCK_TIMEOUT_S",
    "RECORD_COLUMNS",
    "STATEMENT_COLUMNS",
    "OutboxBatch",
    "PostgresWrites",
    "SqlStore",
    "SqlUnit",
    "SqliteWrites",
    "Writes",
    "conflict_of",
    "figures_of",
    "statement_of",
    "writes_for",
]
