"""The demo's second act: a conflict, a steward's override settling it, the pin released, and
the reconciled snapshot a regional system receives each time (contracts §6, §7)."""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from consumers.reader import read_topic
from worker.bootstrap import bootstrap
from worker.bootstrap.worker import run_worker
from worker.commands.arguments import parse_as
from worker.commands.override import arguments as override_arguments
from worker.commands.override import send_override, signed_override
from worker.config.settings import Settings
from worker.db.engine import Engine
from worker.db.views.conflicts import conflict_and_record, oldest_open_conflict

ACTOR = "budi.santoso@bkn.go.id"
REASON = "checked against the scanned diploma, ticket ANOM-2025-0412"
# A kind whose records are told apart by id: the clearest conflicts to show.
KINDS = ("education", "training", "performance", "discipline")


def _differing(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    if a is None or b is None:
        return "deleted" if a is None else json.dumps(a, ensure_ascii=False)
    shown = {k: a.get(k) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
    return json.dumps(shown, ensure_ascii=False)


def _snapshot(settings: Settings, nip: str, kind: str, record_id: str) -> dict[str, Any]:
    """The NIP's last event on the reconciled topic, with only the record in question."""
    every = read_topic(settings.kafka_bootstrap_servers, settings.reconciled_topic)
    last = json.loads([r for r in every if r.key == nip.encode()][-1].value or b"{}")
    data = last["data"]
    data["records"] = {
        kind: [r for r in data["records"][kind] if r["record_id"] == record_id],
        "…": "the other kinds, in full",
    }
    data["conflicts"] = [c for c in data["conflicts"] if c["record_id"] == record_id]
    return {"id": last["id"], "type": last["type"], "subject": last["subject"], "data": data}


def steward_act(console: Console, settings: Settings, idle_s: float) -> None:
    with bootstrap(settings, database="read") as app:
        _act(console, settings, app.engine, lambda: _run(settings, idle_s))


def _run(settings: Settings, idle_s: float) -> None:
    run_worker(settings, idle_s, threading.Event(), CollectorRegistry())


def _act(console: Console, settings: Settings, engine: Engine, run: Callable[[], None]) -> None:
    # The oldest open conflict of a history record between SIASN and a regional system.
    found = oldest_open_conflict(engine, KINDS, winner="siasn", loser_prefix="simpeg:")
    if found is None:
        return
    where = f"{found.kind} record {found.record_id} of {found.nip}"
    console.rule("[bold]Stewardship: a conflict, an override, its release")
    console.print(
        f"Conflict on the {where}: [bold]{found.winner_source}[/] says "
        f"{_differing(found.winner_values, found.loser_values)} and wins ({found.rule}); "
        f"[bold]{found.loser_source}[/] says {_differing(found.loser_values, found.winner_values)}."
    )
    values = {k: v for k, v in found.loser_values.items() if k != "record_id"}
    steps = (
        ("pins the regional value", ["--values", json.dumps(values, ensure_ascii=False)]),
        ("releases the pin", ["--release"]),
    )
    for what, given in steps:
        which = ["--record-id", found.record_id] if found.record_id else []
        argv = [found.nip, found.kind, *which, *given]
        argv += ["--reason", REASON, "--actor", ACTOR]
        args = parse_as(override_arguments, argv)
        send_override(signed_override(args, settings), settings)
        # The command as run, whole: a person may copy it.
        command = escape(shlex.join(["ipasn-worker", "override", *argv]))
        console.print(f"\nA data steward {what}: [dim]{command}[/]")
        with console.status("worker consuming the override…"):
            run()
        conflict, record = conflict_and_record(engine, found.id)
        status = "open" if conflict.closed_at is None else f"closed ({conflict.closed_reason})"
        other = found.loser_values if record.source == found.winner_source else found.winner_values
        console.print(
            f"  the record now comes from [bold]{record.source}[/]: "
            f"{_differing(record.values, other)}; the conflict is {status}"
        )
        event = _snapshot(settings, found.nip, found.kind, found.record_id)
        console.print(f"  what a regional system receives on {settings.reconciled_topic}:")
        text = json.dumps(event, indent=2, ensure_ascii=False)
        console.print(
            Syntax(text, "json", theme="ansi_dark", background_color="default", word_wrap=True)
        )
