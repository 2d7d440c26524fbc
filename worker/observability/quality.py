"""`ipasn_source_*` gauges: data quality per source system, measured by the database now and
then (worker/db/views/quality.py says how each figure is counted)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import Metric
from prometheus_client.core import GaugeMetricFamily

from worker.domain.model import KINDS
from worker.domain.quality import Quality, SourceQuality
from worker.domain.rules import SYSTEMS
from worker.observability.periodic import Periodic


def system_figures(quality: Quality) -> Mapping[str, SourceQuality]:
    """The four systems of the metrics' `system` label."""
    return {s: quality.systems[s] for s in SYSTEMS}


class QualityCensus(Periodic):
    """`ipasn_source_*` gauges: completeness, employees and conflicts per source system.

    Measured by the database every `every_s` seconds in a thread of its own (0: never), so a
    scrape never waits for it; the ages' scan is left out. Labels come from fixed sets: the
    four systems (all regional systems together as `simpeg`), the six kinds, won and lost.
    """

    what = "source quality"

    def __init__(self, measure: Callable[[], Quality], *, every_s: float = 300.0) -> None:
        """`measure` asks the database (worker/db/views/quality.py), without the ages' scan."""
        super().__init__(every_s)
        self._measure = measure
        self._systems: Mapping[str, SourceQuality] = {}

    def refresh(self) -> None:
        self.measure()

    def measure(self) -> Mapping[str, SourceQuality]:
        """Measure now (also what the thread does every `every_s`)."""
        self._systems = system_figures(self._measure())
        return self._systems

    def collect(self) -> Iterable[Metric]:
        every = f"measured by the database every {self.every_s:.0f} s"
        completeness = GaugeMetricFamily(
            "ipasn_source_completeness_ratio",
            "Share of the employees a source system spoke of for whom it sent at least one "
            f"upsert of the kind (simpeg: all regional systems together); {every}.",
            labels=["system", "kind"],
        )
        employees = GaugeMetricFamily(
            "ipasn_source_employees",
            f"Employees a source system sent any statement about; {every}.",
            labels=["system"],
        )
        found = GaugeMetricFamily(
            "ipasn_source_conflicts",
            "Conflicts recorded (open and closed) that a source system won or lost; " + every,
            labels=["system", "side"],
        )
        for system, q in self._systems.items():
            employees.add_metric([system], q.employees)
            found.add_metric([system, "won"], q.won)
            found.add_metric([system, "lost"], q.lost)
            for kind in KINDS:
                ratio = q.completeness(kind)
                if ratio is not None:
                    completeness.add_metric([system, kind], ratio)
        yield completeness
        yield employees
        yield found
