"""`ipasn_band_employees{agency,band}`: employees with a current index, per band and agency.

Counted by the database (the indexes of the measurement year and rule set in use; the query:
worker/db/views/bands.py), every `every_s` seconds in a thread of its own, so a scrape never
waits for the count. Agencies come from data (some 600), so only the `max_agencies` largest
keep a label of their own; the rest are summed under agency="other": at most
(max_agencies + 1) x 5 series.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from prometheus_client import Metric
from prometheus_client.core import GaugeMetricFamily

from worker.observability.periodic import Periodic

OTHER = "other"

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


class BandCensus(Periodic):
    what = "band counts"

    def __init__(
        self, count: Callable[[], Census], *, every_s: float = 60.0, max_agencies: int = 100
    ) -> None:
        """`count` asks the database (worker/db/views/bands.py) for every agency's figures."""
        super().__init__(every_s)
        self._count_all = count
        self.max_agencies = max_agencies
        self._counts: Census = {}

    def refresh(self) -> None:
        self.count()

    def count(self) -> Census:
        """Count now (also what the thread does every `every_s`)."""
        self._counts = capped(self._count_all(), self.max_agencies)
        return self._counts

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
