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
    table.add_column("band")
    table.add_column("employees", justify="right")
    table.add_column("share", justify="right")
    table.add_column("")
    for band in BANDS:
        n = counts.get(band, 0)
        table.add_row(band, str(n), f"{100 * n / total:.0f}%", "█" * round(40 * n / total))
    return table


def _sample(latest: dict[str, dict[str, Any]]) -> Table:
    table = Table(
        title=f"A sample of recalculated indexes ({SAMPLE_ROWS} of {len(latest)})",
        caption="Q qualification, C competency, P performance, D discipline",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for column in ("NIP", "agency", "Q", "C", "P", "D", "score", "band", "rev"):
        table.add_column(
            column, justify="left" if column in ("NIP", "band") else "right", no_wrap=True
        )
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
            str(d["score"]),
            d["band"] or "withdrawn",
            str(d["revision"]),
        )
    return table


def _dead_letters(dead: Sequence[Read]) -> Table:
    table = Table(title=f"Dead-letter topic: {len(dead)} messages")
    table.add_column("reason")
    table.add_column("count", justify="right")
    table.add_column("detail (first seen)")
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


def _metrics(registry: CollectorRegistry) -> Table:
    values = _metric_values(registry)
    table = Table(title="Metrics (as served on /metrics)", box=box.SIMPLE_HEAD)
    table.add_column("ipasn_events_consumed_total")
    for outcome in OUTCOMES:
        table.add_column(outcome, justify="right")
    consumed: dict[tuple[str, str], float] = {}
    for labels, value in values.get("ipasn_events_consumed_total", []):
        key = (labels["system"], labels["outcome"])
        consumed[key] = consumed.get(key, 0) + value
    for system in ("siasn", "ekinerja", "simpeg", "unknown"):
        table.add_row(
            f"system={system}", *(f"{consumed.get((system, o), 0):.0f}" for o in OUTCOMES)
        )
    batches = sum(v for _, v in values.get("ipasn_batch_duration_seconds_count", []))
    seconds = sum(v for _, v in values.get("ipasn_batch_duration_seconds_sum", []))
    table.add_section()
    table.add_row(
        "ipasn_batch_duration_seconds",
        f"{batches:.0f} batches",
        f"mean {1000 * seconds / max(batches, 1):.0f} ms",
    )
    for name in (
        "ipasn_recalculations_total",
        "ipasn_recalculations_published_total",
        "ipasn_conflicts_detected_total",
        "ipasn_consumer_lag_messages",
        "ipasn_outbox_pending_events",
    ):
        table.add_row(name, f"{sum(v for _, v in values.get(name, [])):.0f}")
    return table


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
    console.print(_bands(latest))
    console.print(_sample(latest))
    console.print(_dead_letters(dead))
    console.print(_metrics(registry))
    if latest:
        nip = max(latest.values(), key=lambda d: d["revision"])["nip"]
        url = settings.database_url.get_secret_value()
        console.print(
            f"\nLook closer at one employee:\n  IPASN_DATABASE_URL={url} "
            f"IPASN_MEASUREMENT_YEAR={settings.measurement_year} ipasn-worker show {nip}"
        )
