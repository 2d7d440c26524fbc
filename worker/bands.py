"""`ipasn_band_employees{agency,band}`: employees with a current index, per band and agency.

Counted by the database (the indexes of the measurement year and rule set in use), every
`every_s` seconds in a thread of its own, so a scrape never waits for the count. Agencies come
from data (some 600), so only the `max_agencies` largest keep a label of their own; the rest
are summed under agency="other": at most (max_agencies + 1) x 5 series.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable

from prometheus_client import Metric
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine, func, select

from worker.db.tables import indexes

log = logging.getLogger(__name__)
OTHER = "other"
UNKNOWN = "unknown"  # an index whose record names no agency

Census = dict[tuple[str, str], int]


def capped(counts: Census, max_agencies: int) -> Census:
    """The `max_agencies` agencies with the most employees (ties: by code) keep their label."""
    sizes: Counter[str] = Counter()
    for (agency, _), n in counts.items():
        sizes[agency] += n
    kept = {a for a, _ in sorted(sizes.items(), key=lambda x: (-x[1], x[0]))[:max_agencies]}
    result: Census = {}
    for (agency, band), n in counts.items():
        key = (agency if agency in kept else OTHER, band)
        result[key] = result.get(key, 0) + n
    return result


class BandCensus:
    def __init__(
        self,
        engine: Engine,
        measurement_year: int,
        rule_version: str,
        *,
        every_s: float = 60.0,
        max_agencies: int = 100,
    ) -> None:
        self.engine = engine
        self.measurement_year = measurement_year
        self.rule_version = rule_version
        self.every_s = every_s
        self.max_agencies = max_agencies
        self._counts: Census = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def count(self) -> Census:
        """Count now (also what the thread does every `every_s`)."""
        query = (
            select(indexes.c.agency_code, indexes.c.band, func.count())
            .where(
                indexes.c.measurement_year == self.measurement_year,
                indexes.c.rule_version == self.rule_version,
                indexes.c.score.is_not(None),
            )
            .group_by(indexes.c.agency_code, indexes.c.band)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        counts = {(agency or UNKNOWN, band): int(n) for agency, band, n in rows if band}
        self._counts = capped(counts, self.max_agencies)
        return self._counts

    def start(self) -> None:
        if self.every_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="band-census", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                self.count()
            except Exception as e:  # noqa: BLE001 - the next round tries again
                log.warning("band counts not refreshed: %s", type(e).__name__)
            if self._stop.wait(self.every_s):
                return

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "ipasn_band_employees",
            "Employees with a current index, by band and agency (the largest agencies by "
            'name, the rest as agency="other"); counted by the database every '
            f"{self.every_s:.0f} s.",
            labels=["agency", "band"],
        )
        for (agency, band), n in sorted(self._counts.items()):
            family.add_metric([agency, band], n)
        yield family
