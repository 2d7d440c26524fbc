"""SqlStore: statements, reconciled records, indexes, revisions, conflicts and the outbox."""

from worker.db.store.unit import (
    INDEX_COLUMNS,
    INDEX_KEY,
    LOCK_TIMEOUT_S,
    RECORD_COLUMNS,
    STATEMENT_COLUMNS,
    OutboxBatch,
    SqlStore,
    SqlUnit,
    conflict_of,
    statement_of,
)

__all__ = [
    "INDEX_COLUMNS",
    "INDEX_KEY",
    "LOCK_TIMEOUT_S",
    "RECORD_COLUMNS",
    "STATEMENT_COLUMNS",
    "OutboxBatch",
    "SqlStore",
    "SqlUnit",
    "conflict_of",
    "statement_of",
]
