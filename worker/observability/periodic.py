"""Figures the database counts now and then for the metrics page, never during a scrape."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Periodic:
    """Refreshed every `every_s` seconds in a thread of its own (0: never), so that a scrape
    only reads the last figures; a failed refresh is logged and tried again next round."""

    what = "figures"  # for the log line of a failed refresh

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        if self.every_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.what, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception as e:  # noqa: BLE001 - the next round tries again
                log.warning("%s not refreshed: %s", self.what, type(e).__name__)
            if self._stop.wait(self.every_s):
                return
