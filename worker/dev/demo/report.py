"""What the demo shows: bands, a sample of results, dead letters, conflicts and metrics."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry
from rich import box
from rich.console import Console
from rich.table import Table

from consumers.reader import Read
from schemas import dead_letter
from worker.bootstrap import bootstrap
from worker.config.settings import Settings
from worker.db.views.conflicts import conflict_count
from worker.domain.agencies import BANDS
from worker.domain.model import DIMENSIONS
from worker.observability.metrics import OUTCOMES

SAMPLE_ROWS = 12
BAR_WIDTH = 30  # the bands' bar at 100%: the table reads whole at 80 columns
# What the demo shows of /metrics besides the events consumed: the names as served.
METRICS_SHOWN = (
    "ipasn_recalculations_total",
    "ipasn_recalculations_published_total",
    "ipasn_conflicts_detected_total",
    "ipasn_consumer_lag_messages",
    "ipasn_outbox_pending_events",
)
SYSTEMS = ("siasn", "ekinerja", "simpeg", "unknown")  # the steward acts after the report


def _latest_per_nip(published: Sequence[Read]) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for r in published:
        data = json.loads(r.value or b"{}")["data"]
        held = latest.get(data["nip"])
        if held is None or data["revision"] > held["revision"]:
            latest[data["nip"]] = data
    return latest


def _bands(latest: dict[str, dict[str, Any]]) -> Table:
    counts = Counter(d["band"] for d in latest.values() if d["score"] is not None)
    total = sum(counts.values()) or 1
    table = Table(title="IP ASN bands (latest revision per employee)")
    table.add_column("band", no_wrap=True)
    table.add_column("employees", justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    table.add_column("", overflow="crop")
    for band in BANDS:
        n = counts.get(band, 0)
        bar = "█" * round(BAR_WIDTH * n / total)
        table.add_row(band, f"{n:,}", f"{100 * n / total:.0f}%", bar)
    return table


def _sample(latest: dict[str, dict[str, Any]]) -> Table:
    table = Table(
        title=f"A sample of recalculated indexes ({SAMPLE_ROWS} of {len(latest)})",
        caption="Q qualification, C competency, P performance, D discipline",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
    )
    table.add_column("NIP", no_wrap=True)
    table.add_column("agency", overflow="fold")
    for column in ("Q", "C", "P", "D", "score"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("band", overflow="fold")  # "Sangat Rendah" wraps at its space
    table.add_column("rev", justify="right", no_wrap=True)
    by_band: dict[str | None, list[dict[str, Any]]] = {}
    for d in sorted(latest.values(), key=lambda d: d["nip"]):
        by_band.setdefault(d["band"], []).append(d)
    picked = [d for group in zip(*by_band.values(), strict=False) for d in group][:SAMPLE_ROWS]
    for d in sorted(picked, key=lambda d: -(d["score"] or 0)):
        dims = d["dimensions"] or {}
        table.add_row(
            d["nip"],
            d["agency_code"] or "-",
            *(str(dims.get(k, "-")) for k in DIMENSIONS),
            "-" if d["score"] is None else str(d["score"]),
            d["band"] or "withdrawn",
            str(d["revision"]),
        )
    return table


def _dead_letters(dead: Sequence[Read]) -> Table:
    table = Table(title=f"Dead-letter topic: {len(dead)} messages")
    table.add_column("reason", overflow="fold")
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("detail (first seen)", overflow="fold")
    details: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for r in dead:
        reason = r.headers.get(dead_letter.REASON, b"?").decode()
        counts[reason] += 1
        details.setdefault(reason, r.headers.get(dead_letter.DETAIL, b"").decode())
    for reason, n in counts.most_common():
        table.add_row(reason, str(n), details[reason])
    return table


def _metric_values(registry: CollectorRegistry) -> dict[str, list[tuple[dict[str, str], float]]]:
    values: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in registry.collect():
        for s in family.samples:
            values.setdefault(s.name, []).append((s.labels, s.value))
    return values


def _consumed(values: dict[str, list[tuple[dict[str, str], float]]]) -> Table:
    table = Table(
        title="ipasn_events_consumed_total (as served on /metrics)",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("system", no_wrap=True)
    for outcome in OUTCOMES:
        table.add_column(outcome, justify="right", no_wrap=True)
    consumed: dict[tuple[str, str], float] = {}
    for labels, value in values.get("ipasn_events_consumed_total", []):
        key = (labels["system"], labels["outcome"])
        consumed[key] = consumed.get(key, 0) + value
    for system in SYSTEMS:
        table.add_row(
            f"system={system}", *(f"{consumed.get((system, o), 0):,.0f}" for o in OUTCOMES)
        )
    return table


def _others(values: dict[str, list[tuple[dict[str, str], float]]]) -> Table:
    table = Table(title="Other metrics (as served on /metrics)", box=box.SIMPLE_HEAD)
    table.add_column("metric", no_wrap=True)  # the name whole: it is what a dashboard queries
    table.add_column("value", justify="right", overflow="fold")
    batches = sum(v for _, v in values.get("ipasn_batch_duration_seconds_count", []))
    seconds = sum(v for _, v in values.get("ipasn_batch_duration_seconds_sum", []))
    table.add_row(
        "ipasn_batch_duration_seconds",
        f"{batches:,.0f} batches, mean {1000 * seconds / max(batches, 1):,.0f} ms",
    )
    for name in METRICS_SHOWN:
        table.add_row(name, f"{sum(v for _, v in values.get(name, [])):,.0f}")
    return table


def metrics_tables(registry: CollectorRegistry) -> list[Table]:
    """The metrics, names as served (they are contracts), in tables that read whole at 80
    columns: the events consumed by system and outcome, then the others."""
    values = _metric_values(registry)
    return [_consumed(values), _others(values)]


def result_tables(
    published: Sequence[Read], dead: Sequence[Read], registry: CollectorRegistry
) -> list[Table]:
    """Every table of the demo's results, in the order printed."""
    latest = _latest_per_nip(published)
    return [_bands(latest), _sample(latest), _dead_letters(dead), *metrics_tables(registry)]


def report(
    console: Console,
    settings: Settings,
    totals: Any,
    published: Sequence[Read],
    dead: Sequence[Read],
    registry: CollectorRegistry,
) -> None:
    latest = _latest_per_nip(published)
    with bootstrap(settings, database="read") as app:
        recorded = conflict_count(app.engine)
    console.print(
        f"\nworker: {totals.messages} messages consumed; {totals.stored} statements stored, "
        f"{totals.duplicates} duplicates ignored, {totals.dead_lettered} dead-lettered; "
        f"{len(published)} recalculated events published for {len(latest)} employees; "
        f"{recorded} source conflicts recorded for data stewards\n"
    )
    for table in result_tables(published, dead, registry):
        console.print(table)
    if latest:
        nip = max(latest.values(), key=lambda d: d["revision"])["nip"]
        url = settings.database_url.get_secret_value()
        console.print(
            f"\nLook closer at one employee:\n  IPASN_DATABASE_URL={url} "
            f"IPASN_MEASUREMENT_YEAR={settings.measurement_year} ipasn-worker show {nip}"
        )
