"""OutboxVacuum: the outbox's deleted rows cleared from its table and indexes as they pile up.

The outbox is a queue: every event's row is inserted and, once sent, deleted. On PostgreSQL a
deleted row stays in the table and in each index until VACUUM clears it, and the lookups by
key, by event id and in id order (worker/db/store/outbox.py) step over every one of them.
Autovacuum visits a database at most once a minute (`autovacuum_naptime`), and a first load
deletes half a million rows a minute: measured on this machine, 800,000 events of a first
load through two processes with the rows left to autovacuum (up to 560,000 dead rows, a table
of 541 MB) took 178 s of server time, 118 s of it in four outbox lookups, at 5,613 events/s;
with VACUUM every 2 s, 67 s at 9,114 events/s.

So whoever deletes outbox rows (a worker's claims, a relay's drain) counts them, and after
`after_rows` starts a VACUUM of the outbox alone in a thread of its own (the batch does not
wait for it; while one runs, no other starts). SKIP_LOCKED: should another process's VACUUM
or autovacuum hold the table, this one does not wait, the table is being cleared anyway.
TRUNCATE false: the pages freed stay for the next rows, and no lock is taken to give them
back. VACUUM is the table owner's: a role that does not own the outbox is told so once in the
log, and autovacuum alone clears it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

VACUUM = text("VACUUM (SKIP_LOCKED, TRUNCATE false) outbox")
# Superusers are members of every role, so they pass too.
MAY_VACUUM = text(
    "SELECT pg_has_role(current_user, c.relowner, 'USAGE')"
    " OR pg_has_role(current_user, d.datdba, 'USAGE')"
    " FROM pg_class c, pg_database d"
    " WHERE c.oid = to_regclass('outbox') AND d.datname = current_database()"
)
AFTER_ROWS = 10_000  # at 10,000 events/s, about one VACUUM a second over all processes


class OutboxVacuum:
    """Counts the outbox rows deleted; VACUUMs the table in a thread after `after_rows` of
    them (0: never, autovacuum alone). Nothing to do on SQLite, which deletes in place."""

    def __init__(self, engine: Engine, after_rows: int = AFTER_ROWS) -> None:
        self.engine = engine
        self.after_rows = after_rows if engine.dialect.name == "postgresql" else 0
        self.runs = 0  # VACUUMs finished
        self._deleted = 0
        self._allowed: bool | None = None  # asked once, at the first VACUUM
        self._thread: threading.Thread | None = None

    def deleted(self, rows: int) -> None:
        """`rows` outbox rows were deleted (in a transaction committed or about to be)."""
        if not self.after_rows:
            return
        self._deleted += rows
        if self._deleted < self.after_rows or self.running():
            return
        self._deleted = 0
        self._thread = threading.Thread(target=self._vacuum, name="outbox-vacuum", daemon=True)
        self._thread.start()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_s: float = 30.0) -> None:
        """Until the VACUUM under way, if any, has finished (tests). A process that exits
        meanwhile leaves it to the server, which ends it with the connection."""
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _vacuum(self) -> None:
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if self._allowed is None:
                    self._allowed = bool(conn.execute(MAY_VACUUM).scalar())
                    if not self._allowed:
                        log.warning(
                            "this database role does not own the outbox table, so it cannot "
                            "VACUUM it: its sent rows are cleared by autovacuum alone, and its "
                            "lookups slow down as they pile up (docs/performance.md)"
                        )
                if self._allowed:
                    conn.execute(VACUUM)
                    self.runs += 1
                else:
                    self.after_rows = 0
        except Exception as e:  # noqa: BLE001 - the next rows deleted try again
            log.warning("the outbox was not vacuumed: %s", type(e).__name__)
