"""What the demo shows: bands, a sample of results, dead letters, conflicts and metrics."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from worker.db.engine import make_engine
from worker.db.tables import conflicts
from worker.settings import Settings

BANDS = ("Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah")
SAMPLE_ROWS = 12


class _Read(Protocol):
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def _latest_per_nip(published: Sequence[_Read]) -> dict[str, dict[str, Any]]:
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
    table = Table(title=f"A sample of recalculated indexes ({SAMPLE_ROWS} of {len(latest)})")
    for column in ("NIP", "agency", "qual.", "comp.", "perf.", "disc.", "score", "band",
                   "rev.", "caused by"):
        table.add_column(column, justify="right" if column not in ("NIP", "band") else "left")
    by_band: dict[str | None, list[dict[str, Any]]] = {}
    for d in sorted(latest.values(), key=lambda d: d["nip"]):
        by_band.setdefault(d["band"], []).append(d)
    picked = [d for group in zip(*by_band.values(), strict=False) for d in group][:SAMPLE_ROWS]
    for d in sorted(picked, key=lambda d: -(d["score"] or 0)):
        dims = d["dimensions"] or {}
        table.add_row(d["nip"], d["agency_code"] or "-",
                      *(str(dims.get(k, "-")) for k in
                        ("qualification", "competency", "performance", "discipline")),
                      str(d["score"]), d["band"] or "withdrawn", str(d["revision"]),
                      str(len(d["caused_by"])) + " events")
    return table


def _dead_letters(dead: Sequence[_Read]) -> Table:
    table = Table(title=f"Dead-letter topic: {len(dead)} messages")
    table.add_column("reason")
    table.add_column("count", justify="right")
    table.add_column("detail (first seen)")
    details: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for r in dead:
        reason = r.headers.get("ipasn-dlq-reason", b"?").decode()
        counts[reason] += 1
        details.setdefault(reason, r.headers.get("ipasn-dlq-detail", b"").decode())
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
    table = Table(title="Metrics (as served on /metrics)")
    table.add_column("metric")
    table.add_column("labels")
    table.add_column("value", justify="right")
    for labels, value in sorted(values.get("ipasn_events_consumed_total", []),
                                key=lambda lv: sorted(lv[0].items())):
        if value:
            table.add_row("ipasn_events_consumed_total",
                          ", ".join(f"{k}={v}" for k, v in labels.items()), f"{value:.0f}")
    batches = sum(v for _, v in values.get("ipasn_batch_duration_seconds_count", []))
    seconds = sum(v for _, v in values.get("ipasn_batch_duration_seconds_sum", []))
    table.add_row("ipasn_batch_duration_seconds", "count / mean",
                  f"{batches:.0f} / {1000 * seconds / max(batches, 1):.1f} ms")
    for name in ("ipasn_recalculations_total", "ipasn_recalculations_published_total",
                 "ipasn_conflicts_detected_total", "ipasn_consumer_lag_messages",
                 "ipasn_outbox_pending_events"):
        total = sum(v for _, v in values.get(name, []))
        table.add_row(name, "sum over labels", f"{total:.0f}")
    return table


def report(console: Console, settings: Settings, totals: Any, published: Sequence[_Read],
           dead: Sequence[_Read], registry: CollectorRegistry) -> None:
    latest = _latest_per_nip(published)
    engine = make_engine(settings.database_url.get_secret_value())
    with engine.connect() as conn:
        conflict_count = conn.execute(select(func.count()).select_from(conflicts)).scalar_one()
    engine.dispose()
    console.print(
        f"\nworker: {totals.messages} messages consumed; {totals.stored} statements stored, "
        f"{totals.duplicates} duplicates ignored, {totals.dead_lettered} dead-lettered; "
        f"{len(published)} recalculated events published for {len(latest)} employees; "
        f"{conflict_count} source conflicts recorded for data stewards\n")
    console.print(_bands(latest))
    console.print(_sample(latest))
    console.print(_dead_letters(dead))
    console.print(_metrics(registry))
    if latest:
        nip = max(latest.values(), key=lambda d: d["revision"])["nip"]
        console.print(f"\nLook closer at one employee:\n  IPASN_DATABASE_URL={settings.database_url.get_secret_value()} "
                      f"IPASN_MEASUREMENT_YEAR={settings.measurement_year} "
                      f"ipasn-worker show {nip}")
