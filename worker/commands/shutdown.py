"""SIGTERM and SIGINT: what each command does when asked to stop."""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger("ipasn_worker")


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived where nothing can be left half done.

    A BaseException, as KeyboardInterrupt is: kafka-python's bootstrap catches Exception and
    tried the broker again for its whole timeout when the signal came in there."""


class Shutdown:
    """SIGTERM and SIGINT stop the worker within a second or two, wherever it is.

    While the loop runs, the first signal asks it to finish the batch in hand, commit and leave
    the group. Before the loop runs (connecting, migrating), or at a second signal, the command
    stops at once: nothing is committed then, and a redelivered batch is harmless. A command
    without a loop (a replay, a recompute, a dev broker) stops at once, cleanly: its work is
    committed a chunk at a time, or not at all.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.graceful = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def loop_started(self) -> None:
        self.graceful = True

    def _on_signal(self, signum: int, frame: object) -> None:
        if self.graceful and not self.requested.is_set():
            log.info("%s: finishing the batch in hand", signal.Signals(signum).name)
            self.requested.set()
            return
        raise Stopped(signal.Signals(signum).name)
